// Reading a number a shopper typed, by the rules of the shopper's language: the rules of
// shopper/field/numbers.py (Babel's strict parse in the shopper's locale), written again
// for the page, so that the script and the plain form read "1.000" alike. Both are tested
// against tests/fixtures/number_cases.json: change the two files and the table together.

// What Python's str.strip() removes (str.isspace), which is not what String.trim() removes.
const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a"
  + "\\u2028\\u2029\\u202f\\u205f\\u3000";
const ENDS = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, "g");
const SIGNS_AND_DIGITS = "+-0123456789";
// decimal.Decimal's grammar, once the symbols are replaced and the other characters refused.
const PLAIN = /^([+-]?)(\d*)(?:\.(\d*))?$/;
// Python's default decimal precision: with more digits Babel cannot check the grouping.
const PRECISION = 28;
// Every language of the app groups by three (tests/unit/field/test_numbers.py checks it).
const GROUP_SIZE = 3;

function grouped(digits, group) {
  let text = "";
  let rest = digits;
  while (rest.length > GROUP_SIZE) {
    text = group + rest.slice(-GROUP_SIZE) + text;
    rest = rest.slice(0, -GROUP_SIZE);
  }
  return rest + text;
}

// As Babel's _remove_trailing_zeros_after_decimal.
function withoutTrailingZeros(text, decimal) {
  const at = text.indexOf(decimal);
  if (at < 0) return text;
  const fraction = text.slice(at + decimal.length);
  if (!fraction) return text;
  const kept = fraction.replace(/0+$/, "");
  return kept ? text.slice(0, at) + decimal + kept : text.slice(0, at);
}

// The number in `raw` (a JS number), `undefined` when the text is empty or only
// whitespace, or `null` when it is not a number with these symbols
// ({ decimal, group }, as number_symbols() in Python gives them).
export function readNumber(raw, { decimal, group }) {
  const text = String(raw ?? "").replace(ENDS, "");
  if (!text) return undefined;
  for (const character of text) {
    if (!SIGNS_AND_DIGITS.includes(character) && !decimal.includes(character)
        && !group.includes(character)) return null;
  }
  const plain = text.split(group).join("").split(decimal).join(".");
  const match = PLAIN.exec(plain);
  if (!match || !(match[2] || match[3])) return null;
  if (text.includes(group)) {
    // Babel formats the number again and wants the same text (trailing zeros aside).
    const [, sign, whole, fraction = ""] = match;
    const digits = whole.replace(/^0+/, "");
    const kept = fraction.replace(/0+$/, "");
    if (digits.length + Math.max(3, kept.length) > PRECISION) return null;
    const proper = (sign === "-" ? "-" : "") + grouped(digits || "0", group)
      + (kept ? decimal + kept : "");
    if (text !== proper && withoutTrailingZeros(text, decimal) !== proper) return null;
  }
  const value = Number(plain);
  if (!Number.isFinite(value)) return null;
  return value === 0 ? 0 : value;  // no -0: Python reads "-0" as 0
}

// A number as a shopper would type it: the locale's decimal symbol, no grouping.
export function writeNumber(value, { decimal }) {
  return String(value).replace(".", decimal);
}

// The symbols an element carries as data-decimal, data-group and data-minus.
export function symbolsFrom(element) {
  const { decimal, group, minus } = element.dataset;
  return { decimal, group, minus };
}
