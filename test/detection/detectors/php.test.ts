// PHP injection detector.
import { detectPhp } from '../../../src/detection/detectors/php.js';
import { testDetector } from './cases.js';

testDetector('php', detectPhp, {
  attacks: [
    '<?php passthru($_GET["c"]);',
    '<?= `ls` ?>',
    'php://filter/convert.base64-encode/resource=index',
    'phar://upload.jpg/x',
    '$_COOKIE["k"]',
    'O:8:"Exploit":1:{s:1:"a";i:1;}',
    'allow_url_include=1',
    'assert  /*x*/ ($code)',
    'gzinflate(base64_decode("eJw="))',
    'posix_getpwuid(0)',
    '("system")("id")',
    '{php}echo 1;{/php}',
    'xyzfsockopen()',
    'base64_decode(',
    '<? php echo 1;',
  ],
  benign: [
    '<?xml version="1.0"?><a/>',
    'richard.php@example.com',
    'Is this right? Yes.',
    'index.php?page=2',
    'the system works',
    'count the apples',
    'mycheckdate()',
    'Reformat(x) with nowucfirst(y)',
    'we call exec (',
    'a lone <?php',
  ],
});

// Functions that only compute, inspect or look up count inside code, not as
// a lone call whose result is never shown.
testDetector('php harmless calls', detectPhp, {
  attacks: [
    "filesize('/etc/passwd');",
    "$t=filemtime('/etc/shadow')",
    ';gethostbyname("probe.example")',
    'printf(1337)',
    "realpath('..') ?>",
  ],
  benign: [
    'filesize($path)',
    'Use realpath($dir) to resolve links',
    'gethostbyname(',
    'dns_get_record(',
    'strtoupper($name) returns capitals',
  ],
});

// PHP rejects a plain word right after a call, so a call that a sentence
// goes on after is named, not injected. Operators PHP allows there still count.
testDetector('php calls in prose', detectPhp, {
  attacks: ['system("id") or die()', "exec('uname') and 1", 'file_put_contents("x.php", $d);', "passthru('ls')->x() ", 'phpinfo()', 'shell_exec($c)'],
  benign: ['count(rows) returns zero on empty tables', 'exec() vs spawn() in node', 'eval(code) considered harmful', 'header() sent twice warning'],
});

// `${name}` is a placeholder in shells, templates and configuration files.
testDetector('php variable variables', detectPhp, {
  attacks: ['${$x}', "${'sys'.'tem'}", '$  {ABC}', '${a}', '${fn}("id")', '${x}=1'],
  benign: ['path: ${HOME}/bin', 'Hello, ${user}!', 'url=${BASE_URL}/api'],
});

// Included, a data URL runs only the PHP tags inside it.
testDetector('php data urls', detectPhp, {
  attacks: ['data://text/plain,<?php phpinfo();', `data:text/plain;base64,${Buffer.from('<?php system($_GET[1]); ?>').toString('base64')}`],
  benign: [`data:image/gif;base64,${Buffer.from('GIF89a\x01\x00\x01\x00').toString('base64')}`, `data:text/plain;base64,${Buffer.from('hello there').toString('base64')}`],
});
