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
