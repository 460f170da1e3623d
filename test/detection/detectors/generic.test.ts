// Generic code injection and prototype pollution detectors.
import { detectGenericCode, detectPrototypePollution } from '../../../src/detection/detectors/generic.js';
import { testDetector } from './cases.js';

testDetector('generic code', detectGenericCode, {
  attacks: [
    "require('child_process').execSync('id')",
    'process.mainModule.require("fs")',
    '{{7*7}}',
    "{{''.__class__.__mro__}}",
    '<%= 6*7 %>',
    'Kernel.exec("id")',
    'while(!0);',
    'for(;;){}',
    'while(!false){}',
    'while(~0);',
  ],
  benign: ['I require a child seat', 'process the order', '7*7 = 49', 'while you wait', 'while(!1);', 'while (!!null) {', 'while(false);'],
});

testDetector('prototype pollution', detectPrototypePollution, {
  attacks: ['__proto__[admin]', 'constructor.prototype.isAdmin', 'a[constructor][prototype]=1'],
  benign: ['prototype board', 'protocol buffers'],
});

// JavaScript rejects a plain word right after a member expression.
testDetector('generic node access in prose', detectGenericCode, {
  attacks: ['process.env', 'x=process.env.SECRET', 'process.kill(1)'],
  benign: ['process.env.PORT is undefined on heroku', 'read process.env values with dotenv'],
});
