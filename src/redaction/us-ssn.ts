// us_ssn: US Social Security numbers written AAA-GG-SSSS. Numbers the Social
// Security Administration never issues are skipped: area 000, 666 or 900 to
// 999, group 00, serial 0000. Nine digits without dashes are not matched,
// because too many other identifiers look like that.
// Example: "123-45-6789" matches; "000-12-3456" and "123456789" do not.
import { findPatternSpans, type Detector } from './detector.js';

// Linear: fixed lengths; the lookarounds reject numbers inside longer digit runs.
const SSN_PATTERN = /(?<![0-9-])(?!000|666|9)[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}(?![0-9-])/dg;

export const usSsnDetector: Detector = {
  name: 'us_ssn',
  find(text, maxMatches) {
    return findPatternSpans(SSN_PATTERN, text, maxMatches);
  },
};
