// Loaded with `node --import` to record every module a command loads (see startup.test.ts).
import { register } from 'node:module';

register('./trace-imports-hooks.mjs', import.meta.url);
