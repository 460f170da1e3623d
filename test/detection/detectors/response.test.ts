// Response leak detectors: database errors, stack traces, source code and web shells.
import { detectSourceLeak, detectSqlError, detectStackTrace, detectWebShell } from '../../../src/detection/detectors/response.js';
import { testDetector } from './cases.js';

testDetector('sql error', detectSqlError, {
  attacks: ["You have an error in your SQL syntax; check the manual near ''x'' at line 1", 'ORA-00933: SQL command not properly ended', 'SQLSTATE[42000]: Syntax error', 'pg_query(): Query failed: ERROR:  syntax error at or near "x"'],
  benign: ['Your order has been placed', 'Error: invalid password'],
});

testDetector('stack trace', detectStackTrace, {
  attacks: ['Traceback (most recent call last):\n  File "app.py", line 3', 'java.lang.NullPointerException\n\tat com.shop.Cart.total(Cart.java:41)', "Server Error in '/' Application.", 'PHP Fatal error:  Uncaught Exception in /srv/a.php on line 9'],
  benign: ['Thanks for your feedback', 'at 5 pm we close'],
});

testDetector('source leak', detectSourceLeak, {
  attacks: ['<?php $db = new PDO($dsn);', '<%@ page import="java.io.*" %>', '<title>Index of /backup</title>'],
  benign: ['<html><body>Hi</body></html>', '<?xml version="1.0"?><a/>'],
});

testDetector('web shell', detectWebShell, {
  attacks: ['<title>Mini Shell 1.0</title>', '<form><input name="cmd"><pre>uname -a: Linux</pre>'],
  benign: ['<title>Shop</title>', '<input name="email">'],
});
