// Option ids are slugs (a-z, 0-9, '-', at most 32 characters, not starting with '-'), derived from labels.

export const MAX_OPTION_ID_LENGTH = 32;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** "Crème Brûlée!" -> "creme-brulee"; '' when the label has no letters or digits. */
export function slugify(label, maxLength = MAX_OPTION_ID_LENGTH) {
  return label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
}

/**
 * A slug for the label that none of `taken` has: "yes", then "yes-2", "yes-3"...; "option-N" for labels with no
 * letters or digits (N = position, 1-based).
 */
export function uniqueSlug(label, position, taken) {
  const base = slugify(label) || `option-${position}`;
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) {
    const suffix = `-${n}`;
    candidate = base.slice(0, MAX_OPTION_ID_LENGTH - suffix.length).replace(/-+$/, '') + suffix;
  }
  return candidate;
}
