/**
 * Just enough XML for AWS query-protocol responses (CloudWatch DescribeAlarms): elements, text and
 * entities; attributes, comments and processing instructions are skipped. Not a general parser.
 */

export interface XmlElement {
  readonly name: string;
  readonly children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|\w+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag =
    /<(\/?)([A-Za-z_][\w:.-]*)[^>]*?(\/?)>|<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>/g;
  let last = 0;
  for (let match = tag.exec(xml); match; match = tag.exec(xml)) {
    const current = stack.at(-1) as XmlElement;
    current.text += decodeEntities(xml.slice(last, match.index));
    last = tag.lastIndex;
    if (match[4] !== undefined) {
      current.text += match[4];
      continue;
    }
    const [, closing, name, selfClosing] = match;
    if (!name) continue;
    if (closing) {
      if (current.name !== name) throw new Error(`Malformed XML: </${name}> closes <${current.name}>`);
      current.text = current.text.trim();
      stack.pop();
    } else {
      const element: XmlElement = { name, children: [], text: '' };
      current.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length !== 1) throw new Error(`Malformed XML: <${stack.at(-1)?.name}> is not closed`);
  return root;
}

export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}

/** The element at a path of names below `element`. */
export function at(element: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let current = element;
  for (const name of names) current = child(current, name);
  return current;
}

export function textOf(element: XmlElement | undefined, name: string): string | undefined {
  return child(element, name)?.text;
}
