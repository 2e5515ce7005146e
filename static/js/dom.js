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
