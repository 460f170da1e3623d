// SQL injection detector: injected clauses in each quoting context, and
// prose and data that share SQL's words.
import { detectSqli } from '../../../src/detection/detectors/sqli.js';
import { testDetector } from './cases.js';

testDetector('sqli', detectSqli, {
  attacks: [
    "42' OR 7=7 -- x",
    '42" or "b"="b',
    "name') OR ('z'='z",
    '5 or 3>2',
    "bob'#",
    "alice';--",
    '0 UNION ALL SELECT passwd, 2 FROM accounts',
    'x/**/union/**/select/**/login,pass/**/from/**/staff',
    '/*!40000 SELECT*/ pass FROM staff',
    "1; DROP TABLE invoices",
    "3 AND SLEEP(4)",
    "1 and benchmark(900000,md5(1))",
    "9 WAITFOR DELAY '0:0:7'",
    'select table_name from information_schema.tables',
    'exec xp_cmdshell',
    "abc' ORDER BY 4--",
    "id::integer",
    "'{\"k\":1}'::jsonb @> '{\"k\":1}'",
    'CASE WHEN 1=1 THEN 2 ELSE 3 END',
    "q' + char(72) + '",
    "DECLARE @v varchar(99)",
    "1; set @v = (select 1)",
    "x'; set autocommit=0; --",
    "7 AS \"alias\" FROM items",
  ],
  benign: [
    'Rock and roll',
    "It's a fine day, or so they say",
    'Select your size from the list below',
    'union station, platform 4',
    'Order by phone: 555-0100',
    'price between 10 and 20 dollars',
    'As seen from the hill',
    'O\'Brien',
    'user@example.com',
    '2024-01-01T10:00:00Z',
    'group by group, the children left',
    'drop me a line',
    'choose a colour; set @home',
    'done; set the table',
  ],
});

// Injected SQL has to parse, so a run of ordinary words in its code part
// makes prose out of it. Names that only SQL uses still count after prose.
testDetector('sqli after prose', detectSqli, {
  attacks: [
    "Great product, thanks a lot!' union select login, pass from staff--",
    "nice review' or 'q'='q",
    "'; drop table ledger cascade--",
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0 1 waitfor delay '0:0:9'--",
    'The tool we use 1 and pg_sleep(5)',
  ],
  benign: [
    'Our docs show how select * from orders where id = 7 returns one row per order.',
    "The manual says: SELECT * FROM t WHERE a = 'x' AND b = 1. Then it explains why the quote matters.",
    "A login form that builds select * from accounts where login = '' or 1=1; -- from user input lets anyone in.",
  ],
});

// MySQL names in backticks are a quoting context of their own, and a
// number ORed with a truth value is a tautology even without a comparison.
testDetector('sqli in backticks and bare truth values', detectSqli, {
  attacks: [
    'created_at` desc; drop table audit--',
    'size` as `s` from stock where 1=1--',
    'nickname`; --',
    '42 or true',
    '7 AND false',
  ],
  benign: [
    'Run `npm test` before you push',
    'Use `git log --oneline` to list them',
    '3 or 4',
    'true or false',
    'it is 2 or true love',
  ],
});

// Union probes select numbers and a function called with no argument, to
// find the column that the page prints.
testDetector('sqli select probes', detectSqli, {
  attacks: [
    'select(version(',
    'select 1,2,null,database()',
    'SELECT 7,8,current_user()',
  ],
  benign: [
    'select(count(items))',
    'select (all) items',
    'Please select 1, 2 or 3',
  ],
});

// SQL words that SQL never puts between two names (`not`, `is`, `in`, `by`)
// join English words into prose, and SQL allows only an alias after a call.
testDetector('sqli statements in prose', detectSqli, {
  attacks: ["1' and sleep(5)#", '1 or benchmark(9999999,md5(1))', "x' union select name, pass from users--", 'update users set role = 1', 'drop table sessions;', '1; drop table a, b cascade'],
  benign: ['delete from list is not possible', 'sleep(8) in bed is enough', 'benchmark() gpu driver results', 'update profile set avatar', 'Drop Table Bar Stool', 'order by price not working'],
});
