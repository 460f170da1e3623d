// Security scanners and attack tools that announce themselves in the
// User-Agent. Browsers and well-behaved crawlers are not listed, and an
// attacker can always change the header, so this only labels noise.
import { firstMatch, wordPattern } from '../excerpt.js';
import type { ValueRule } from '../types.js';

const SCANNER_AGENTS = wordPattern([
  'sqlmap', 'nikto', 'nmap', 'masscan', 'zgrab', 'zmap', 'acunetix', 'netsparker', 'invicti', 'nessus', 'openvas', 'qualys', 'w3af', 'arachni', 'skipfish', 'wpscan', 'joomscan', 'droopescan', 'whatweb', 'wapiti', 'dirbuster', 'dirb', 'gobuster', 'feroxbuster', 'ffuf', 'wfuzz', 'nuclei', 'jaeles', 'havij', 'pangolin', 'bsqlbf', 'sqlninja', 'commix', 'xsser', 'zmeu', 'morfeus', 'paros', 'webinspect', 'appscan', 'burpsuite', 'burp collaborator', 'owasp zap', 'zaproxy', 'metasploit', 'hydra', 'medusa', 'brutus', 'fimap', 'nasl', 'blackwidow', 'webshag', 'uniscan', 'httprint', 'httpx', 'interactsh', 'log4j-scan', 'censysinspect', 'struts-pwn', 'mozlila', 'floodgate', 'sf/', 'netlab360', 'internet-measurement', 'project25499', 'l9explore', 'l9tcpid', 'leakix', 'masscan-ng', 'nmap scripting engine', 'detectify', 'probely', 'tenable', 'rapid7', 'jorgee', 'dotdotpwn', 'absinthe', 'fuzz faster u fool', 'gbot', 'mysqloit', 'n-stealth', 'pmafind', 'springenwerk', 'teh forest lobster', 'this is an exploit', 'toata', 'webvulnscan', 'whcc', 'black widow', 'cgichk', 'datacha0s', 'domino hunter', 'morpheus', 'sysscan', 'webtrends security analyzer', 'x-scan', 'zollard', 'bilbo', 'grendel-scan', 'nsauditor', 'security scan', 'vulnscan', 'webbandit', 'pymeta', 'python-httpx',
], String.raw`(?![\w])`);

/** Returns the scanner name in a User-Agent value, or null. */
export function detectScannerAgent(text: string): string | null {
  return firstMatch(SCANNER_AGENTS, text);
}

export const scannerRules: ValueRule[] = [{ class: 'scanner', detector: 'scanner.user_agent', test: detectScannerAgent }];
