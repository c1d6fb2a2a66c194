package io.fleetacct.streams.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Folds command and thread names into bounded keys, so that numbered names (the kernel's per-CPU
 * threads, thread pools) are one row each instead of one per number. A rule is a regular
 * expression over the whole name and its replacement ({@code $1} for groups); the first rule that
 * matches wins, the user's before the defaults. A name no rule matches stays as it is.
 *
 * <p>Defaults: a command with a slash (only the kernel's own threads have one: {@code
 * kworker/u16:3}, {@code ksoftirqd/0}, {@code irq/24-ahci}) keeps what comes before it
 * ({@code kworker/*}); a thread name has every run of digits replaced by {@code *}
 * ({@code pool-1-thread-37} is {@code pool-*-thread-*}, {@code GC Thread#3} is {@code GC Thread#*}).
 * Rules apply when exits are aggregated: rows aggregated under an earlier set keep their keys.
 */
public final class Folding {

  /** One rule: the whole name matches {@code pattern}; it becomes {@code replacement}. */
  public record Rule(Pattern pattern, String replacement) {

    /** Parses {@code REGEX=REPLACEMENT}; the last '=' separates them. */
    public static Rule parse(String text) {
      int eq = text.lastIndexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("a folding rule is REGEX=REPLACEMENT, not '" + text + "'");
      }
      try {
        Pattern p = Pattern.compile(text.substring(0, eq));
        String replacement = text.substring(eq + 1);
        checkReplacement(p, replacement);
        return new Rule(p, replacement);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException("bad regular expression in folding rule '" + text + "': "
            + e.getDescription());
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        throw new IllegalArgumentException("bad replacement in folding rule '" + text + "': " + e.getMessage());
      }
    }

    @Override
    public String toString() {
      return pattern.pattern() + "=" + replacement;
    }

    /** A group the pattern does not have fails here, not on the first name it folds. */
    private static void checkReplacement(Pattern p, String replacement) {
      Matcher groups = Pattern.compile("(?<!\\\\)\\$(\\d+)").matcher(replacement);
      while (groups.find()) {
        if (Integer.parseInt(groups.group(1)) > p.matcher("").groupCount()) {
          throw new IllegalArgumentException("no group " + groups.group(1) + " in " + p.pattern());
        }
      }
    }
  }

  public static final List<Rule> DEFAULT_COMMAND_RULES = List.of(Rule.parse("([^/]*)/.*=$1/*"));
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  /** Folded names are cached up to this many each, then the cache starts over. */
  private static final int CACHE = 65_536;

  private final List<Rule> commandRules;
  private final List<Rule> threadRules;
  private final Map<String, String> commands = new ConcurrentHashMap<>();
  private final Map<String, String> threads = new ConcurrentHashMap<>();

  private Folding(List<Rule> commandRules, List<Rule> threadRules) {
    this.commandRules = commandRules;
    this.threadRules = threadRules;
  }

  /** The defaults after the user's rules for commands and for thread names. */
  public static Folding of(List<Rule> commandRules, List<Rule> threadRules) {
    List<Rule> c = new ArrayList<>(commandRules);
    c.addAll(DEFAULT_COMMAND_RULES);
    return new Folding(List.copyOf(c), List.copyOf(threadRules));
  }

  public static Folding defaults() {
    return of(List.of(), List.of());
  }

  public String command(String name) {
    return cached(commands, name, n -> apply(commandRules, n, n));
  }

  public String thread(String name) {
    return cached(threads, name, n -> apply(threadRules, n, DIGITS.matcher(n).replaceAll("*")));
  }

  private static String cached(Map<String, String> cache, String name, java.util.function.UnaryOperator<String> fold) {
    String f = cache.get(name);
    if (f == null) {
      if (cache.size() >= CACHE) {
        cache.clear();
      }
      f = fold.apply(name);
      cache.put(name, f);
    }
    return f;
  }

  private static String apply(List<Rule> rules, String name, String otherwise) {
    for (Rule r : rules) {
      Matcher m = r.pattern().matcher(name);
      if (m.matches()) {
        StringBuilder out = new StringBuilder();
        m.appendReplacement(out, r.replacement()); // once: replaceAll would also replace an empty match at the end
        return out.toString();
      }
    }
    return otherwise;
  }

  public List<Rule> commandRules() {
    return commandRules;
  }

  public List<Rule> threadRules() {
    return threadRules;
  }
}
