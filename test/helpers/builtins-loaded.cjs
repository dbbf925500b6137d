// Loaded with `node -r` to record Node's own modules a command loaded (process.moduleLoadList,
// at exit) into BUILTINS_LOADED_FILE: CommonJS, so that no ES module loader of its own is
// started, and the list holds only what the command loaded.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  if (process.env.BUILTINS_LOADED_FILE) {
    writeFileSync(process.env.BUILTINS_LOADED_FILE, process.moduleLoadList.join('\n'));
  }
});
