/**
 * Make an SVG's ids unique on the page, so that several inlined diagrams may
 * each define #arrow: every id gets `prefix-`, and so does every reference to
 * it (url(#…), href="#…", aria-labelledby, aria-describedby). Strips the XML
 * prolog, doctype and comments, which have no place inside HTML.
 */
export function prefixSvgIds(svg: string, prefix: string): string {
  const ids = [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
  let out = svg.replace(/<\?xml[^>]*\?>/g, "").replace(/<!DOCTYPE[^>]*>/gi, "").replace(/<!--[\s\S]*?-->/g, "");
  for (const id of ids) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    out = out
      .replace(new RegExp(`(\\sid=")${esc}(")`, "g"), `$1${prefix}-${id}$2`)
      .replace(new RegExp(`url\\(#${esc}\\)`, "g"), `url(#${prefix}-${id})`)
      .replace(new RegExp(`((?:xlink:)?href=")#${esc}(")`, "g"), `$1#${prefix}-${id}$2`)
      .replace(new RegExp(`(aria-(?:labelledby|describedby)=")${esc}(")`, "g"), `$1${prefix}-${id}$2`);
  }
  return out.trim();
}
