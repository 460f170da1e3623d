// Every value detector by the name rules use for it. The Record type makes
// the compiler reject a DetectorName without a detector.
import type { DetectorName } from '../model/record.js';
import { awsAccessKeyDetector } from './aws-access-key.js';
import { basicCredentialsDetector } from './basic-credentials.js';
import { bearerTokenDetector } from './bearer-token.js';
import { cardNumberDetector } from './card-number.js';
import type { Detector } from './detector.js';
import { emailDetector } from './email.js';
import { ibanDetector } from './iban.js';
import { jwtDetector } from './jwt.js';
import { privateKeyDetector } from './private-key.js';
import { providerTokenDetector } from './provider-token.js';
import { usSsnDetector } from './us-ssn.js';

export const DETECTORS: Readonly<Record<DetectorName, Detector>> = {
  card_number: cardNumberDetector,
  jwt: jwtDetector,
  bearer_token: bearerTokenDetector,
  basic_credentials: basicCredentialsDetector,
  aws_access_key: awsAccessKeyDetector,
  private_key: privateKeyDetector,
  provider_token: providerTokenDetector,
  email: emailDetector,
  us_ssn: usSsnDetector,
  iban: ibanDetector,
};
