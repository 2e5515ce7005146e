// Finding a run's elements: every view looks inside the root element it was given, never in
// the whole document, so that two runs (or a run and a lesson) can share a page.

/** A lookup of elements by id inside `root` (ids are unique within one run's markup). */
export function within(root) {
  return (id) => root.querySelector(`#${CSS.escape(id)}`);
}

/** A new element with a class and, if given, its text. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * Write `text` into `node` only if it differs from what is there: every write, even of the
 * same text, replaces the text node and costs a layout and a repaint (frames write 60 a second).
 */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Set an attribute only if its value changes (as setText). */
export function setAttribute(node, name, value) {
  if (node.getAttribute(name) !== value) node.setAttribute(name, value);
}
