/**
 * Which user ids dibs takes (the token's `sub`): 1 to 128 characters (code points), well-formed Unicode, no control,
 * format or line-separator characters, and not starting with =, +, - or @. Such an id passes through Kafka, the Redis
 * gate, Postgres (varchar(128)) and the CSV export unchanged; the others are refused at the edge before anything is
 * produced.
 */
export const MAX_USER_ID_CHARACTERS = 128;

// Cc: controls, U+0000 among them, which Postgres text cannot hold; Cf: zero-width and bidi controls, which make two
// ids look alike; Zl, Zp: line and paragraph separators, which break log lines.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
// A spreadsheet opening the CSV export would run a field that starts with one of these as a formula.
const FORMULA_START = /^[=+\-@]/;

/** Why `userId` is not one dibs takes, or undefined when it is. */
export function userIdProblem(userId: string): string | undefined {
  if (userId.length === 0) return "is empty";
  if (!userId.isWellFormed()) return "is not well-formed Unicode (a lone surrogate)";
  if (countCodePoints(userId) > MAX_USER_ID_CHARACTERS) return `is longer than ${MAX_USER_ID_CHARACTERS} characters`;
  const forbidden = FORBIDDEN.exec(userId);
  if (forbidden) return `contains the control or invisible character U+${forbidden[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  if (FORMULA_START.test(userId)) return "starts with =, +, - or @, which a spreadsheet would run as a formula";
  return undefined;
}

/**
 * A form of any id that Postgres can store: U+0000 and lone surrogates become U+FFFD, and it is cut at 128 characters.
 * For recording a refusal of a request whose id slipped past the edge; never for deciding.
 */
export function storableUserId(userId: string): string {
  const cleaned = userId.toWellFormed().replaceAll("\u0000", "\uFFFD");
  return countCodePoints(cleaned) <= MAX_USER_ID_CHARACTERS ? cleaned : [...cleaned].slice(0, MAX_USER_ID_CHARACTERS).join("");
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}
