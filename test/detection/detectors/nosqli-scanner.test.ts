// NoSQL operator and scanner user-agent detectors.
import { detectNosqli } from '../../../src/detection/detectors/nosqli.js';
import { detectScannerAgent } from '../../../src/detection/detectors/scanner.js';
import { testDetector } from './cases.js';

testDetector('nosqli', detectNosqli, {
  attacks: ['user[$ne]', '{"$gt": ""}', '{"$where": "sleep(100)"}', "db.users.find({})"],
  benign: ['costs $5', 'ne plus ultra', '{"price": 3}'],
});

testDetector('scanner', detectScannerAgent, {
  attacks: ['sqlmap/1.7.2#stable (https://sqlmap.org)', 'Mozilla/5.00 (Nikto/2.5.0)', 'Nuclei - Open-source project'],
  benign: ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36', 'curl/8.5.0'],
});

// Operators work only as keys; in a sentence they are words.
testDetector('nosqli operator position', detectNosqli, {
  attacks: ['login[$regex]', "{'$nin': [1]}", '$exists', '{"$or": [{}]}'],
  benign: ['$in vs $nin in aggregation', 'how to use $regex with an index', 'price $gt 10 dollars'],
});
