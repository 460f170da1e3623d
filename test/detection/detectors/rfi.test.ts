// Remote file inclusion detector: include-shaped URLs, against ordinary links.
import { detectRfi } from '../../../src/detection/detectors/rfi.js';
import { testDetector } from './cases.js';

testDetector('rfi', detectRfi, {
  attacks: ['http://203.0.113.9/x.txt', 'https://evil.test/shell.txt?', 'ftp://files.test/pkg', '\\\\share.test\\c$\\x', 'http://198.51.100.2:8080/'],
  benign: ['https://example.com/about', 'see http://example.org/news for details', 'mailto:me@example.com'],
});

testDetector('rfi include parameter', detectRfi, {
  location: 'query.template_path',
  attacks: ['https://cdn.test/layout'],
  benign: ['layouts/main'],
});
