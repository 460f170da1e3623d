// Path traversal and restricted-file detectors.
import { detectRestrictedPath, detectSystemFile, detectTraversal } from '../../../src/detection/detectors/lfi.js';
import { testDetector } from './cases.js';

testDetector('lfi traversal', detectTraversal, {
  attacks: ['../../../../var/db/app.key', '..\\..\\boot\\bcd', 'img/..\\..\\secret', '0x2e0x2e/0x2e0x2e/x', 'a/b/../../../c'],
  benign: ['docs/readme.md', 'Wait... what?', '1..10', 'file.tar.gz'],
});

testDetector('lfi system file', detectSystemFile, {
  attacks: ['/etc/shadow', 'C:\\Windows\\win.ini', '/proc/self/environ', '~/.ssh/id_ed25519', 'app/WEB-INF/web.xml', '/home/dev/.bash_history'],
  benign: ['/images/logo.png', 'etcetera', 'my passwd is long', 'window.ini file'],
});

testDetector('lfi restricted path', detectRestrictedPath, {
  location: 'path',
  attacks: ['/.env', '/app/.git/HEAD', '/backup/site.sql.gz', '/logs/error.log', '/.vscode/settings.json'],
  benign: ['/.well-known/security.txt', '/api/v1/users', '/static/app.js'],
});

// A file is opened by its whole name: a path that a sentence goes on after
// is mentioned, not requested.
testDetector('lfi paths in prose', detectSystemFile, {
  attacks: ['/etc/passwd', '/etc/passwd%00.png', 'file=/proc/self/environ&x=1', '<!--#include file="/etc/group"-->', 'php.ini'],
  benign: ['where does /etc/resolv.conf live on alpine', 'edit php.ini and restart fpm', 'errors end up in /var/log/syslog.', 'see ~/.ssh/known_hosts for the fingerprints'],
});

testDetector('lfi traversal in prose', detectTraversal, {
  attacks: ['../../secrets.yml', 'uploads/../../../etc/group', 'x/../../../app.cfg'],
  benign: ['../ means the parent folder', 'what does ..\\ do in windows paths'],
});
