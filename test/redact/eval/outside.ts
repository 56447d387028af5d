/**
 * The outside-style half of the redaction evaluation (issue 19, "Must show"): lines written by
 * hand, not by the generator, in the shapes real services log them (nginx/syslog lines, webhook
 * JSON, CSV exports, SQL and stack traces, support tickets, email signatures, chat), each value
 * labelled inline as `⟦type|value⟧`.
 *
 * How it was built: values come from the public standards and the numbers they reserve for
 * examples, not from moatkit's generator or tests:
 * - phones: NANP fictional 555-01XX numbers and area codes in service (NANPA); ITU-T E.123
 *   notation (`+44 20 7946 0018`) and E.164 with the `00` / `011` international prefixes;
 *   Ofcom drama numbers (+44 20 7946 0xxx, +44 7700 900xxx); ACMA fictional numbers
 *   (+61 491 570 xxx); national numbers with a trunk 0 after a context word; RFC 3966
 *   extensions.
 * - cards: the networks' published test PANs (Visa 4111…, 4242…, Mastercard 5555…, 2223…,
 *   Amex 3782…, 3714…, Discover 6011…, JCB 3530…, 3566…, Diners 3056…, 3852…, UnionPay 6200…),
 *   written plain, spaced and dashed (ISO/IEC 7812 lengths, Luhn).
 * - SSNs: numbers that follow the SSA rules (area not 000/666/9xx, group and serial not 0),
 *   written as people write them; the SSA's advertising numbers (078-05-1120, 219-09-9999) and
 *   invalid areas are negatives.
 * - email: RFC 5322 / RFC 3696 §3 examples (atext local parts, quoted local parts, address
 *   literals), IDN (RFC 6531) and the example domains of RFC 2606.
 * Every line also carries look-alikes that must stay: timestamps, versions, IPs, UUIDs, order
 * and invoice ids, ISBNs, IBAN-like strings, arithmetic, image names, npm specifiers.
 *
 * Left out of the labels: national numbers without a country code or context word that are not
 * NANP (`07700 900123`), which the default detector does not claim to find (they are opt-in per
 * region, issue 19 item 3); and card networks moatkit does not cover yet (issue 19 item 4).
 */
import { type EvalCase, parseLabelled } from "./score.js";

const LINES: readonly string[] = [
  // nginx / access logs
  '203.0.113.7 - - [12/Mar/2024:10:15:32 +0000] "GET /api/v2/users?email=⟦email|jane.doe@example.com⟧ HTTP/1.1" 200 512 "-" "Mozilla/5.0"',
  '198.51.100.23 - - [12/Mar/2024:10:15:33 +0000] "POST /checkout HTTP/2.0" 201 87 "https://shop.example.org/cart?id=88213" "curl/8.5.0"',
  '192.0.2.14 - - [12/Mar/2024:10:16:02 +0000] "GET /static/icon@2x.png HTTP/1.1" 304 0 "-" "Safari/605.1.15"',
  '10.0.0.12 - - [12/Mar/2024:10:16:40 +0000] "GET /v1/lookup?phone=⟦phone|%2B14155550123⟧ HTTP/1.1" 404 19',
  // syslog / application logs
  "Mar 12 10:17:01 api-3 app[2231]: user ⟦email|o.reilly@example.net⟧ changed phone to ⟦phone|+1 (212) 555-0147⟧",
  "Mar 12 10:17:05 api-3 app[2231]: retry 3/5 for job 7c9e6679-7425-40de-944b-e07fc1f90ae7 after 1500ms",
  "2024-03-12T10:17:09.118Z WARN payments: card ⟦credit_card|4111 1111 1111 1111⟧ declined (do_not_honor) amount=129.99 EUR",
  "2024-03-12T10:17:10.402Z INFO payments: refund ref=RF-2024-0031177 for order #100293847 processed in 231 ms",
  "2024-03-12T10:17:11.007Z ERROR kyc: ssn ⟦ssn|536-22-4781⟧ failed verification for applicant 88301",
  "2024-03-12T10:17:12.550Z DEBUG sms: sending OTP to ⟦phone|+44 7700 900461⟧ via provider twilio-eu (msg id SM4f1c2e)",
  "2024-03-12T10:17:13.000Z INFO build v4.18.2 deployed to eu-west-1 in 93s (commit 9fceb02d0ae598e95dc970b74767f19372d61af8)",
  "2024-03-12T10:17:14.321Z INFO notify: voicemail from ⟦phone|(646) 555-0199⟧ transcribed, 42s",
  "2024-03-12T10:17:15.777Z INFO billing: charged ⟦credit_card|5555-5555-5555-4444⟧ for invoice INV-2024-000381",
  "2024-03-12T10:17:16.901Z WARN auth: too many attempts from 2001:db8::8a2e:370:7334 for ⟦email|admin@example.org⟧",
  "2024-03-12T10:17:18.004Z INFO export: wrote 15234 rows to s3://reports/2024/03/12/daily.csv (1.2 MB)",
  "2024-03-12T10:17:19.660Z INFO crm: contact updated tel=⟦phone|+33 1 45 67 89 01⟧ fax=⟦phone|+33 1 45 67 89 02⟧",
  "2024-03-12T10:17:20.100Z INFO crm: contact updated Tel: ⟦phone|0612345678⟧ (FR mobile, verified)",
  "2024-03-12T10:17:21.205Z INFO crm: contact updated mobile=⟦phone|07911123456⟧ source=import",
  "2024-03-12T10:17:22.310Z INFO crm: lookup 4155550123 returned 0 rows (request id 4155550123)",
  "2024-03-12T10:17:23.415Z INFO queue depth 1234567890 exceeds 1e9, paging on-call",
  "2024-03-12T10:17:24.520Z INFO fx rate 1.0873 EUR/USD at 1710238644",
  // webhook / JSON payloads
  '{"type":"customer.updated","data":{"object":{"email":"⟦email|sam.lee+stripe@example.com⟧","phone":"⟦phone|+14155550132⟧","created":1710238644}}}',
  '{"type":"charge.failed","data":{"card":{"number":"⟦credit_card|4000056655665556⟧","exp_month":12,"exp_year":2027,"cvc_check":"fail"}}}',
  '{"event":"signup","user":{"id":"usr_8MkmC0","mail":"⟦email|\\"john smith\\"@example.com⟧","locale":"en-GB"}}',
  '{"applicant":{"ssn":"⟦ssn|123-45-6788⟧","dob":"1985-04-12","zip":"94107-1234"}}',
  '{"order":{"id":"ORD-2024-7781990","total":"1029.50","items":3,"coupon":"SPRING-2024"}}',
  '{"contact":{"whatsapp":"⟦phone|+49 176 12345678⟧","telegram":"@example_handle"}}',
  '{"card_last4":"4242","card_fingerprint":"Xt5EWLLDS7FJjR1c","brand":"visa"}',
  '{"payment_method":{"pan":"⟦credit_card|378282246310005⟧","network":"amex"}}',
  '{"user":{"email":"⟦email|x@example.com⟧","mobile":"⟦phone|+61 491 570 156⟧"}}',
  '{"msg":"uploaded avatar@3x.webp","size":20431,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}',
  '{"address":{"line1":"1600 Amphitheatre Pkwy","postal_code":"94043","country":"US"}}',
  '{"ticket":{"requester":"⟦email|maria.garcia@example.es⟧","body":"Mi teléfono es ⟦phone|+34 612 345 678⟧"}}',
  // CSV exports
  "id,name,email,phone,created_at",
  "1,Ann Example,⟦email|ann@example.com⟧,⟦phone|+1-202-555-0173⟧,2024-03-01T09:00:00Z",
  "2,Bo Example,⟦email|bo_example@mail.example.co.uk⟧,⟦phone|+44 20 7946 0018⟧,2024-03-01T09:05:00Z",
  "3,Cy Example,⟦email|cy.example@example.de⟧,⟦phone|+49 30 901820⟧,2024-03-01T09:10:00Z",
  "4,Dee Example,⟦email|dee@[192.0.2.33]⟧,⟦phone|+81 3-1234-5678⟧,2024-03-01T09:15:00Z",
  "5,Ed Example,⟦email|ed+news@example.io⟧,⟦phone|+55 11 91234-5678⟧,2024-03-01T09:20:00Z",
  "sku,qty,price,ean",
  "A-1029,3,19.99,4006381333931",
  "B-2210,12,4.50,5901234123457",
  // SQL and stack traces
  "LOG:  duration: 12.331 ms  statement: UPDATE users SET email = '⟦email|lee.k@example.com⟧' WHERE id = 42381",
  "LOG:  duration: 0.412 ms  statement: SELECT * FROM orders WHERE id IN (1001, 1002, 1003) LIMIT 50",
  "LOG:  duration: 3.007 ms  statement: INSERT INTO cards (pan) VALUES ('⟦credit_card|6011111111111117⟧')",
  'ERROR: duplicate key value violates unique constraint "users_ssn_key" DETAIL: Key (ssn)=(⟦ssn|219-09-9998⟧) already exists.',
  "    at PaymentService.charge (/app/src/payments.ts:214:17)",
  "    at async Promise.all (index 3)",
  "TypeError: Cannot read properties of undefined (reading 'phone') at line 88:13",
  // support tickets
  "Hi, I was charged twice on my card ⟦credit_card|3530 1113 3330 0000⟧ on 03/12/2024, please refund one.",
  "Hello, my SSN on file is wrong. It should be ⟦ssn|078-05-1121⟧, not the old one. Thanks, Pat",
  "Please call me back on ⟦phone|(415) 555-0132⟧ after 5pm PT, or email ⟦email|pat.q@example.com⟧.",
  "My new number is ⟦phone|+1 415.555.0178⟧ and my old one was ⟦phone|415-555-0111⟧.",
  "Order 100293847 still says pending since version 2.3.1 of the app, ticket #48213.",
  "Can you update my card to ⟦credit_card|5105 1051 0510 5100⟧? Expiry 08/27, billing zip 10001.",
  "Reach me at ⟦email|user%example.com@example.org⟧ (yes, that is a valid address).",
  "I tried 3 times between 10:15 and 10:45, reference number 2024031200012.",
  "Reach our office at ⟦phone|+1 212-555-0186 ext. 204⟧, Monday to Friday.",
  "Desk ⟦phone|(303) 555-0164 x3392⟧ / mobile ⟦phone|303-555-0155⟧",
  "Wire from IBAN DE89 3704 0044 0532 0130 00 received, ref 2024-03-12-0098.",
  "The ISBN is 978-3-16-148410-0 and the book costs 24.95.",
  "The total was 12+3456789012 items? No: 12 + 345 = 357.",
  "Social Security number: ⟦ssn|536224781⟧ (typed without dashes)",
  "SSN ⟦ssn|287 65 4321⟧ was entered with spaces.",
  "Not an SSN: 987-65-4320 (area 987 is never issued), 000-12-3456, 666-12-3456.",
  "Our test card is ⟦credit_card|4242424242424242⟧, never a real one.",
  "Diners ⟦credit_card|3056 930902 5904⟧ and Amex ⟦credit_card|3714 496353 98431⟧ both failed.",
  "JCB ⟦credit_card|3566-0020-2036-0505⟧ went through.",
  "UnionPay ⟦credit_card|6200 0000 0000 0005⟧ needs 3-D Secure.",
  "Mastercard 2-series ⟦credit_card|2223003122003222⟧ worked.",
  "Tracking 1Z999AA10123456784 and 9400111899223197428490 are shipping ids, not cards.",
  "Luhn-valid but no network: 1234567812345670, 7992739871300000.",
  // signatures
  "--\nJane Doe | Head of Sales | Example Corp\nM: ⟦phone|+44 7700 900123⟧ | T: ⟦phone|+44 20 7946 0958⟧ | ⟦email|jane.doe@example.co.uk⟧",
  "Best regards, Hans Muster, Tel. ⟦phone|+49 (0)30 12345678⟧, Mobil ⟦phone|+49 151 23456789⟧",
  "Cordialement, Marie — Tél : ⟦phone|+33 6 12 34 56 78⟧ — ⟦email|marie.dupont@exemple.fr⟧",
  "Saludos, Juan · Móvil: ⟦phone|+34 612 34 56 78⟧ · ⟦email|juan@ejemplo.es⟧",
  "Mit freundlichen Grüßen · Telefon: ⟦phone|0049 89 1234567⟧",
  "Regards, Raj | Mobile: ⟦phone|+91 98765 43210⟧ | Office: ⟦phone|+91 22 2345 6789⟧",
  "Tanaka Taro / 電話: ⟦phone|03-1234-5678⟧ / ⟦email|taro.tanaka@example.jp⟧",
  "山田花子 携帯 ⟦phone|09012345678⟧",
  "王伟 手机：⟦phone|13812345678⟧",
  "김민수 전화번호 ⟦phone|01012345678⟧",
  "Иван Петров, тел. ⟦phone|+7 495 123-45-67⟧, моб. ⟦phone|+7 916 123-45-67⟧",
  "Телефон: ⟦phone|0441234567⟧",
  "محمد — هاتف: ⟦phone|+971 50 123 4567⟧",
  "דוד כהן טלפון: ⟦phone|0521234567⟧",
  "राहुल फ़ोन: ⟦phone|09876543210⟧",
  "Ana Souza | Cel: ⟦phone|+55 21 98765-4321⟧ | ⟦email|ana.souza@exemplo.com.br⟧",
  "Call me: ⟦phone|011 44 20 7946 0321⟧ (from the US)",
  "WhatsApp⟦phone|+393471234567⟧",
  "Fax ⟦phone|+1 (617) 555-0140⟧",
  "Sent from my iPhone",
  // chat / LLM prompts
  "User: my email is ⟦email|first.last@sub.example.co.uk⟧ and my phone is ⟦phone|+353 85 123 4567⟧, can you update both?",
  "User: here is my card ⟦credit_card|4012888888881881⟧ exp 11/26 cvv 123",
  "User: what is 4111 + 1111? And is 1111-1111 a valid date?",
  "Assistant: I have updated the record for ticket 2024-03-12-000045.",
  "User: my SSN is ⟦ssn|372-40-1789⟧ and my wife's is ⟦ssn|372-40-1790⟧",
  "User: call ⟦phone|1-800-555-0199⟧ (toll free) or ⟦phone|1 (888) 555-0123⟧",
  "User: I live at 221B Baker Street, London NW1 6XE",
  "User: my number +1 is the country code, the rest I will send later",
  "User: the build number is 20240312.4 and the test ran 1,234,567 iterations",
  "User: ＴＥＬ ⟦phone|０３－１２３４－５６７８⟧",
  "User: send it to ⟦email|μαρία@παράδειγμα.ελ⟧ please",
  "User: or ⟦email|用户@例子.广告⟧",
  "User: packages @types/node@20.11.5 and lodash@4.17.21 are installed",
  "User: my handle is @jane_doe, not an email",
  "User: ⟦email|test.user@example.com⟧, ⟦email|test.user2@example.com⟧; done",
  "User: phone number ⟦phone|+27 82 123 4567⟧ (South Africa)",
  "User: my number is ⟦phone|+61 2 9876 5432⟧ in Sydney",
  "User: new Zealand ⟦phone|+64 21 123 4567⟧",
  "User: Mexico ⟦phone|+52 55 1234 5678⟧",
  "User: Netherlands ⟦phone|+31 6 12345678⟧",
  "User: Sweden ⟦phone|+46 70 123 45 67⟧",
  "User: Switzerland ⟦phone|+41 44 668 18 00⟧",
  "User: Ireland landline ⟦phone|+353 1 234 5678⟧",
  "User: Singapore ⟦phone|+65 6123 4567⟧",
  "User: Nigeria ⟦phone|+234 803 123 4567⟧",
  "User: Poland ⟦phone|+48 512 345 678⟧",
  "User: times 10:15:32.118, dates 2024-03-12, 12/03/2024, 2024.03.12",
  "User: versions 1.2.3, v10.0.0.1, 3.11.4-rc.1, semver ^4.17.21",
  "User: IPv4 192.168.100.200 and IPv6 fe80::1ff:fe23:4567:890a",
  "User: uuid 123e4567-e89b-12d3-a456-426614174000",
  "User: coordinates 37.4219983, -122.084",
  "User: the bill was $1,234,567.89 on account 0012345678",
];

/**
 * The networks' published test card numbers (Visa, Mastercard, Amex, Discover, JCB, Diners,
 * UnionPay test PANs from the acquirers' integration guides), each written in a support or log
 * line in the three ways people write them.
 */
const TEST_PANS: readonly string[] = [
  "4111111111111111",
  "4012888888881881",
  "4222222222222",
  "4242424242424242",
  "4000056655665556",
  "4917610000000000",
  "4462030000000000",
  "4484070000000000",
  "5555555555554444",
  "5200828282828210",
  "5105105105105100",
  "2223003122003222",
  "2223000048400011",
  "5454545454545454",
  "378282246310005",
  "371449635398431",
  "378734493671000",
  "6011111111111117",
  "6011000990139424",
  "6011000400000000",
  "3530111333300000",
  "3566002020360505",
  "3566111111111113",
  "30569309025904",
  "38520000023237",
  "36227206271667",
  "6200000000000005",
  "6205500000000000004",
  "6250941006528599",
  "6304000000000000",
];

const CARD_TEMPLATES: readonly ((pan: string) => string)[] = [
  (pan) => `Please charge my card ⟦credit_card|${pan}⟧ again, the first try timed out at 10:42.`,
  (pan) => `2024-03-12T11:02:19.554Z WARN gateway: pan=⟦credit_card|${group(pan, " ")}⟧ avs=N order=ORD-2024-0091`,
  (pan) => `{"source":{"number":"⟦credit_card|${group(pan, "-")}⟧","exp":"09/28"},"amount":4599}`,
];

/** A PAN in the networks' printed grouping (4-6-5 / 4-6-4 for 15 / 14 digits, else fours). */
function group(pan: string, sep: string): string {
  const sizes = pan.length === 15 ? [4, 6, 5] : pan.length === 14 ? [4, 6, 4] : [];
  const parts: string[] = [];
  let at = 0;
  for (const size of sizes) {
    parts.push(pan.slice(at, at + size));
    at += size;
  }
  while (at < pan.length) {
    parts.push(pan.slice(at, at + 4));
    at += 4;
  }
  return parts.join(sep);
}

/** The outside-style evaluation set, parsed. */
export const OUTSIDE_CASES: readonly EvalCase[] = [
  ...LINES,
  ...TEST_PANS.flatMap((pan) => CARD_TEMPLATES.map((t) => t(pan))),
].map(parseLabelled);
