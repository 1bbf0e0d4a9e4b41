/*
 * Gradebook CSV in the column shapes learning platforms import:
 * - canvas: Student, ID, SIS User ID, SIS Login ID, Section, then one column
 *   per assignment named "<title> (<exercise>)", a "Points Possible" row,
 *   and points out of 100. Learners are matched on SIS Login ID (the email).
 * - moodle: First name, Last name, Email address, then one column per
 *   assignment; Moodle's CSV grade import maps "Email address" to the user.
 * Scores are the best score after the late policy, as points out of 100 with
 * two decimals; an assignment not yet submitted is left empty.
 * A cell starting with = + - @ (or tab/CR) is prefixed with ' so that a
 * spreadsheet never evaluates a learner's name as a formula.
 */
import { stringify } from "csv-stringify/sync";
import type { Gradebook } from "./dal";

export type CsvFormat = "canvas" | "moodle";

export const MAX_POINTS = 100;

function safe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function points(best: number | null): string {
  return best === null ? "" : (Math.round(best * MAX_POINTS * 100) / 100).toFixed(2);
}

function splitName(name: string): [string, string] {
  const t = name.trim();
  const i = t.lastIndexOf(" ");
  return i < 0 ? [t, ""] : [t.slice(0, i), t.slice(i + 1)];
}

export function gradebookCsv(g: Gradebook, format: CsvFormat): string {
  const titles = g.assignments.map((a) => safe(`${a.title} (${a.exerciseId})`));
  const records: string[][] = [];
  if (format === "canvas") {
    records.push(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ...titles]);
    records.push(["    Points Possible", "", "", "", "", ...g.assignments.map(() => MAX_POINTS.toFixed(2))]);
    for (const r of g.rows) {
      const [first, last] = splitName(r.name || r.email);
      const student = last ? `${last}, ${first}` : first;
      records.push([safe(student), "", "", safe(r.email), safe(g.cohort.name), ...r.cells.map((c) => points(c.best))]);
    }
  } else {
    records.push(["First name", "Last name", "Email address", ...titles]);
    for (const r of g.rows) {
      const [first, last] = splitName(r.name || r.email);
      records.push([safe(first), safe(last), safe(r.email), ...r.cells.map((c) => points(c.best))]);
    }
  }
  return stringify(records, { record_delimiter: "windows", quoted_match: /[",\r\n]/ });
}
