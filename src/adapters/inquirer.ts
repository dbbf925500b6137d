/**
 * The prompts we use from @inquirer/prompts, and only those. Imported lazily (on the first
 * question) through this module rather than as `import('@inquirer/prompts')`: a dynamic import
 * of the package would keep all of its prompts in the bundle, the editor's among them, whose
 * iconv-lite and chardet are four fifths of the prompt library's bytes. Named here, the rest is
 * left out of dist/ (the package declares no side effects).
 */
export { checkbox, confirm, input, password, select } from '@inquirer/prompts';
