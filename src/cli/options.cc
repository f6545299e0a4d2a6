// optparse-compatible parsing and help formatting (see options.h for why).
#include "options.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace covalesce::cli {
namespace {

bool TakesValue(const OptionSpec& o) {
  return o.type != OptionSpec::Type::kFlag && o.type != OptionSpec::Type::kFalseFlag;
}

std::string PyQuote(const std::string& s) { return "'" + s + "'"; }

// Converts and stores a value, or returns optparse's type error.
std::optional<std::string> Store(const OptionSpec& o, const std::string& opt, const std::string& v,
                                 Parsed& out) {
  if (o.type == OptionSpec::Type::kInt) {
    char* end = nullptr;
    errno = 0;
    std::strtoll(v.c_str(), &end, 0);
    if (v.empty() || *end || errno) return "option " + opt + ": invalid integer value: " + PyQuote(v);
  } else if (o.type == OptionSpec::Type::kFloat) {
    char* end = nullptr;
    std::strtod(v.c_str(), &end);
    if (v.empty() || *end) return "option " + opt + ": invalid floating-point value: " + PyQuote(v);
  }
  out.values[o.dest] = v;
  return std::nullopt;
}

}  // namespace

std::optional<std::string> Parse(const CommandSpec& spec, const std::vector<std::string>& argv,
                                 Parsed& out) {
  size_t i = 0;
  // Stores an option's value: the one the argument holds after the option, else the next
  // argument. optparse's error where there is neither or the value does not convert.
  auto take_value = [&](const OptionSpec& o, const std::string& opt,
                        const std::optional<std::string>& attached) -> std::optional<std::string> {
    if (attached) return Store(o, opt, *attached, out);
    if (i + 1 < argv.size()) return Store(o, opt, argv[++i], out);
    return opt + " option requires 1 argument";
  };
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      const size_t eq = a.find('=');
      const std::string name = a.substr(0, eq);
      // Exact match first, then a unique prefix, as optparse's _match_abbrev.
      const OptionSpec* match = nullptr;
      std::vector<const OptionSpec*> prefixed;
      for (const OptionSpec& o : spec.options) {
        if (o.long_name.empty()) continue;
        if (o.long_name == name) match = &o;
        if (o.long_name.compare(0, name.size(), name) == 0) prefixed.push_back(&o);
      }
      if (!match) {
        if (prefixed.empty()) return "no such option: " + name;
        if (prefixed.size() > 1) {
          std::string list;
          for (const OptionSpec* o : prefixed) list += (list.empty() ? "" : ", ") + o->long_name;
          return "ambiguous option: " + name + " (" + list + "?)";
        }
        match = prefixed[0];
      }
      const std::string& opt = match->long_name;
      if (TakesValue(*match)) {
        const auto attached = eq != std::string::npos ? std::optional(a.substr(eq + 1)) : std::nullopt;
        if (auto err = take_value(*match, opt, attached)) return err;
      } else {
        if (eq != std::string::npos) return opt + " option does not take a value";
        out.values[match->dest].assign(1, match->type == OptionSpec::Type::kFalseFlag ? '0' : '1');
      }
    } else if (a.size() > 1 && a[0] == '-') {
      // A cluster of short options: "-aq", "-oFILE", "-o FILE".
      for (size_t k = 1; k < a.size(); ++k) {
        const std::string opt = std::string("-") + a[k];
        const OptionSpec* match = nullptr;
        for (const OptionSpec& o : spec.options) {
          if (o.short_name == opt) match = &o;
        }
        if (!match) return "no such option: " + opt;
        if (TakesValue(*match)) {
          const auto attached = k + 1 < a.size() ? std::optional(a.substr(k + 1)) : std::nullopt;
          if (auto err = take_value(*match, opt, attached)) return err;
          break;
        }
        out.values[match->dest].assign(1, match->type == OptionSpec::Type::kFalseFlag ? '0' : '1');
      }
    } else {
      break;  // interspersed arguments are off: the rest are positional
    }
  }
  out.args.assign(argv.begin() + long(i), argv.end());
  return std::nullopt;
}

std::string Wrap(const std::string& text, size_t width, const std::string& indent,
                 const std::string& first_indent) {
  std::istringstream words(text);
  std::string word, out, line = first_indent;
  bool line_has_word = false;
  while (words >> word) {
    if (line_has_word && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = indent;
      line_has_word = false;
    }
    line += (line_has_word ? " " : "") + word;
    line_has_word = true;
  }
  return out + line;
}

std::string FormatHelp(const CommandSpec& spec, const std::string& program) {
  constexpr size_t kWidth = 78, kMaxHelpPosition = 24;
  std::string out = "Usage: " + program + " " + spec.name + " " + spec.usage + "\n\n";
  out += Wrap(spec.description, kWidth) + "\n\nOptions:\n";
  auto label = [](const OptionSpec& o) {
    std::string s;
    if (!o.short_name.empty()) s += o.short_name + (TakesValue(o) ? " " + o.metavar : "");
    if (!o.long_name.empty()) {
      s += (s.empty() ? "" : ", ") + o.long_name + (TakesValue(o) ? "=" + o.metavar : "");
    }
    return s;
  };
  size_t max_len = 0;
  for (const OptionSpec& o : spec.options) max_len = std::max(max_len, label(o).size() + 2);
  const size_t help_pos = std::min(max_len + 2, kMaxHelpPosition);
  for (const OptionSpec& o : spec.options) {
    std::string l = "  " + label(o);
    const std::string pad(help_pos, ' ');
    if (l.size() + 2 > help_pos) {
      out += l + "\n" + Wrap(o.help, kWidth, pad, pad) + "\n";
    } else {
      l.resize(help_pos, ' ');
      out += Wrap(o.help, kWidth, pad, l) + "\n";
    }
  }
  out.pop_back();
  return out;
}

}  // namespace covalesce::cli
