// Words and times shown by the scripts: messages come translated from the page.

export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
}

// A date and time as the server shows it (shopper/templating.py local_time): the page's
// language, a medium date and a short time, in the programme's time zone (not the
// phone's), so a receipt and the list never disagree.
export function timeText(iso, timeZone) {
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang,
      { dateStyle: "medium", timeStyle: "short", timeZone: timeZone || "UTC" })
      .format(new Date(iso)).replace(/\u202f/g, " ");  // as the server
  } catch (error) {
    return iso;
  }
}
