/** A small DOM builder: an element with a class and children (text is set as text, never parsed as HTML). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K];
export function el(tag: string, className?: string, ...children: (Node | string)[]): HTMLElement;
export function el(tag: string, className?: string, ...children: (Node | string)[]): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  e.append(...children);
  return e;
}
