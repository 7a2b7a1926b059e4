// Words and times shown by the scripts: messages come translated from the page.

export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
}

export function timeText(iso) {
  try {
    return new Date(iso).toLocaleString(document.documentElement.lang,
      { dateStyle: "medium", timeStyle: "short" });
  } catch (error) {
    return iso;
  }
}
