// Debian's PyTorch for the tests that run it: where it is, how long a run may take, and whether it imports here
// (probed once, when a test file first imports this module: torch's import takes seconds).
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
export const PYTHON_TIMEOUT_MS = 300_000; // torch's import alone takes seconds on a busy machine

/** Why the PyTorch tests are skipped (a `skip` option), or false where torch imports. */
export const torchMissing: string | false = (() => {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { timeout: PYTHON_TIMEOUT_MS, stdio: 'ignore' });
  return probe.status === 0 ? false : `${PYTHON} cannot import torch: install Debian's python3-torch (.ci/run does)`;
})();
