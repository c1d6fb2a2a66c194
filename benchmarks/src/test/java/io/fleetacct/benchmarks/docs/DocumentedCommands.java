package io.fleetacct.benchmarks.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The commands that README.md and docs/*.md give users: each line of a fenced block and each inline
 * code span that starts with a program a user would type ({@code ./fleetacct}, {@code curl},
 * {@code java}, {@code mvn}, {@code helm}, {@code git}, {@code bash}), whitespace folded (an inline
 * span may break across lines), a fenced line's trailing {@code # comment} and {@code \}
 * continuations joined.
 */
public final class DocumentedCommands {

  /** One command as written, and where: {@code docs/benchmarks.md:76}. */
  public record Command(String where, String text) {
    @Override
    public String toString() {
      return where + ": " + text;
    }
  }

  private static final Pattern FENCE = Pattern.compile("```[^\n]*\n(.*?)```", Pattern.DOTALL);
  private static final Pattern SPAN = Pattern.compile("`([^`]+)`");
  private static final Pattern PROGRAM = Pattern.compile("^(\\./fleetacct|curl|java|mvn|helm|git|bash)\\s");
  private static final Pattern COMMENT = Pattern.compile("\\s{2,}#.*$");

  private DocumentedCommands() {}

  /** Every command of README.md and docs/*.md under {@code root}, in file order. */
  public static List<Command> in(Path root) throws IOException {
    List<Path> files = new ArrayList<>(List.of(root.resolve("README.md")));
    try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
    }
    List<Command> all = new ArrayList<>();
    for (Path f : files) {
      all.addAll(of(root.relativize(f).toString(), Files.readString(f)));
    }
    return all;
  }

  /** The commands of one Markdown text, named {@code name:line}. */
  public static List<Command> of(String name, String markdown) {
    List<Command> found = new ArrayList<>();
    StringBuilder outside = new StringBuilder();
    Matcher fence = FENCE.matcher(markdown);
    int last = 0;
    while (fence.find()) {
      outside.append(markdown, last, fence.start());
      int line = lineOf(markdown, fence.start(1));
      String pending = null;
      int pendingLine = 0;
      for (String raw : fence.group(1).split("\n", -1)) {
        String l = raw.strip();
        if (pending != null) {
          l = pending + " " + l;
        } else {
          pendingLine = line;
        }
        if (l.endsWith("\\")) {
          pending = l.substring(0, l.length() - 1).strip();
        } else {
          pending = null;
          String command = COMMENT.matcher(l).replaceFirst("");
          if (PROGRAM.matcher(command).find()) {
            found.add(new Command(name + ":" + pendingLine, command));
          }
        }
        line++;
      }
      // Blank the block, keeping its lines, so that spans are not looked for inside it.
      outside.append("\n".repeat((int) fence.group().chars().filter(c -> c == '\n').count()));
      last = fence.end();
    }
    outside.append(markdown.substring(last));
    Matcher span = SPAN.matcher(outside);
    while (span.find()) {
      String command = String.join(" ", span.group(1).strip().split("\\s+"));
      if (PROGRAM.matcher(command).find()) {
        found.add(new Command(name + ":" + lineOf(outside, span.start()), command));
      }
    }
    found.sort((a, b) -> Integer.compare(lineNumber(a), lineNumber(b)));
    return found;
  }

  private static int lineNumber(Command c) {
    return Integer.parseInt(c.where().substring(c.where().lastIndexOf(':') + 1));
  }

  private static int lineOf(CharSequence text, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (text.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }
}
