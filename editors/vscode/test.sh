#!/usr/bin/env bash
# Tests the VS Code extension: the TextMate grammar against the sample files
# in test/ (their comments assert the scopes, vscode-tmgrammar-test syntax),
# and that the client script parses. Installs the test tool locally with
# npm (package.json's devDependencies), never globally.
set -euo pipefail
cd "$(dirname "$0")"
npm install --no-audit --no-fund --loglevel=error
node --check src/extension.js
node_modules/.bin/vscode-tmgrammar-test -g syntaxes/hpl.tmLanguage.json 'test/**/*.hpl'
