// Shared paths and helpers for the VS Code extension tests.
'use strict';
const path = require('path');
const { createRequire } = require('module');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const EXT_DIR = path.join(ROOT, 'editors', 'vscode');
// Modules come from the extension's own node_modules (its package-lock.json).
const extRequire = createRequire(path.join(EXT_DIR, 'package.json'));

module.exports = { ROOT, EXT_DIR, extRequire };
