package dev.portcullis.operator.testsupport.kubelet;

import java.time.DayOfWeek;
import java.time.ZonedDateTime;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;

/**
 * A CronJob's {@code spec.schedule} as the CronJob controller reads it: five fields (minute,
 * hour, day of month, month, day of week) of {@code *}, numbers, ranges {@code a-b}, steps
 * {@code /n} and lists, month and weekday names, and the {@code @hourly}-style macros. As in
 * cron, when both day fields are restricted a day matching either one is due.
 */
record CronSchedule(BitSet minutes, BitSet hours, BitSet days, BitSet months, BitSet weekdays,
    boolean anyDay, boolean anyWeekday) {

  private static final Map<String, String> MACROS = Map.of(
      "@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *", "@monthly", "0 0 1 * *",
      "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
      "@hourly", "0 * * * *");
  private static final String[] MONTHS = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
      "SEP", "OCT", "NOV", "DEC"};
  private static final String[] WEEKDAYS = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

  /** Parses {@code schedule}; IllegalArgumentException naming what is wrong otherwise. */
  static CronSchedule parse(String schedule) {
    String text = MACROS.getOrDefault(schedule.trim().toLowerCase(Locale.ROOT), schedule.trim());
    String[] f = text.split("\\s+");
    if (f.length != 5) {
      throw new IllegalArgumentException("expected exactly 5 fields, found " + f.length + ": "
          + schedule);
    }
    BitSet weekdays = field(f[4], 0, 7, WEEKDAYS, 0);
    if (weekdays.get(7)) {
      weekdays.set(0); // 7 is Sunday too
    }
    return new CronSchedule(field(f[0], 0, 59, null, 0), field(f[1], 0, 23, null, 0),
        field(f[2], 1, 31, null, 0), field(f[3], 1, 12, MONTHS, 1), weekdays,
        f[2].startsWith("*"), f[4].startsWith("*"));
  }

  /** Whether the minute {@code t} falls in (seconds are ignored). */
  boolean matches(ZonedDateTime t) {
    if (!minutes.get(t.getMinute()) || !hours.get(t.getHour()) || !months.get(t.getMonthValue())) {
      return false;
    }
    boolean day = days.get(t.getDayOfMonth());
    boolean weekday = weekdays.get(t.getDayOfWeek() == DayOfWeek.SUNDAY ? 0
        : t.getDayOfWeek().getValue());
    return anyDay || anyWeekday ? day && weekday : day || weekday;
  }

  private static BitSet field(String text, int min, int max, String[] names, int firstName) {
    var set = new BitSet();
    for (String item : text.split(",")) {
      String[] stepped = item.split("/", 2);
      int step = stepped.length == 2 ? number(stepped[1], names, firstName, text) : 1;
      int from;
      int to;
      if (stepped[0].equals("*")) {
        from = min;
        to = max;
      } else if (stepped[0].contains("-")) {
        String[] range = stepped[0].split("-", 2);
        from = number(range[0], names, firstName, text);
        to = number(range[1], names, firstName, text);
      } else {
        from = number(stepped[0], names, firstName, text);
        to = stepped.length == 2 ? max : from;
      }
      if (from < min || to > max || from > to || step < 1) {
        throw new IllegalArgumentException("out of range [" + min + "-" + max + "]: " + text);
      }
      for (int i = from; i <= to; i += step) {
        set.set(i);
      }
    }
    return set;
  }

  private static int number(String s, String[] names, int firstName, String field) {
    if (names != null) {
      for (int i = 0; i < names.length; i++) {
        if (names[i].equalsIgnoreCase(s)) {
          return i + firstName;
        }
      }
    }
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a number or name: " + s + " in " + field, e);
    }
  }
}
