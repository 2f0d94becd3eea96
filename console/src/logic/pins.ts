/**
 * Pins as the console shows them. The API's pin is a version or a weighted split (docs/api.md); pins
 * may grow more fields (segments, a shadow), so the readers here accept any of them and name the
 * versions they find rather than failing on a shape they do not know.
 */

export interface WeightedVersion {
  readonly version: string;
  readonly weight: number;
}

/** A pin as the API answers it: the shapes this console knows, and room for more. */
export type AnyPin =
  | string
  | {
      readonly version?: string;
      readonly variants?: readonly WeightedVersion[];
      readonly segments?: Readonly<Record<string, AnyPin>>;
      readonly shadow?: { readonly version: string; readonly sampleRate?: number };
      readonly [field: string]: unknown;
    };

/** The default traffic of a pin, as variants (a plain version is one variant of weight 100). */
export function defaultVariants(pin: AnyPin): WeightedVersion[] {
  if (typeof pin === 'string') return [{ version: pin, weight: 100 }];
  if (Array.isArray(pin.variants)) return [...pin.variants];
  if (typeof pin.version === 'string') return [{ version: pin.version, weight: 100 }];
  return [];
}

/** Every version a pin refers to: its default traffic, its segments' pins and its shadow. */
export function pinnedVersions(pin: AnyPin): string[] {
  const versions = new Set(defaultVariants(pin).map((v) => v.version));
  if (typeof pin !== 'string') {
    for (const segment of Object.values(pin.segments ?? {}))
      for (const version of pinnedVersions(segment)) versions.add(version);
    if (typeof pin.shadow?.version === 'string') versions.add(pin.shadow.version);
  }
  return [...versions];
}

/** `1.2.0`, or `1.1.0 90% / 1.2.0 10%` for a split, with `+ N segments` and `shadow 1.3.0` when present. */
export function describePin(pin: AnyPin): string {
  const variants = defaultVariants(pin);
  const parts = [
    variants.length === 1 && variants[0]?.weight === 100
      ? variants[0].version
      : variants.map((v) => `${v.version} ${v.weight}%`).join(' / '),
  ];
  if (typeof pin !== 'string') {
    const segments = Object.keys(pin.segments ?? {}).length;
    if (segments > 0) parts.push(`+ ${segments} segment${segments === 1 ? '' : 's'}`);
    if (pin.shadow) parts.push(`shadow ${pin.shadow.version}`);
  }
  return parts.join(' ');
}

/** Environments whose pin of a prompt refers to `version`, with how (for the versions table). */
export function whereDeployed(
  environments: Readonly<Record<string, AnyPin>>,
  version: string,
): { environment: string; share?: number }[] {
  const places: { environment: string; share?: number }[] = [];
  for (const [environment, pin] of Object.entries(environments)) {
    if (!pinnedVersions(pin).includes(version)) continue;
    const variant = defaultVariants(pin).find((v) => v.version === version);
    places.push(variant && variant.weight !== 100 ? { environment, share: variant.weight } : { environment });
  }
  return places;
}

/** Whether two pins serve the same traffic (order of keys and of nothing else ignored). */
export function samePin(a: AnyPin | undefined, b: AnyPin | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}
