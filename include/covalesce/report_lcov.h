// `covalesce lcov`: coverage.py 7.17.3's LcovReporter (lcovreport.py), byte for byte. The
// format has no timestamp and names no producer, so nothing differs: per file (sorted by the
// name reports show) SF, DA (with ",<md5>" under [lcov] line_checksums), LF/LH, FN/FNDA per
// function with FNF/FNH, BRDA with BRF/BRH for branch data, end_of_record. [report]
// skip_empty leaves out files without statements. Like coverage.py, the LCOV report never
// narrows to [report] contexts.
//
// BRDA names a branch by coverage.py's arc description, which comes from the first of the
// arc's message fragments; coverage.py's own order of those varies with string hashing, and
// covalesce's analysis fixes it as PYTHONHASHSEED=0 does.
#pragma once
#include <string>
#include <vector>

#include "covalesce/report.h"

namespace covalesce::report {

// The LCOV report of files already analysed (AnalysisToReport done by the caller; with
// [lcov] line_checksums the session must keep sources: SessionOptions::want_source). The
// files must have been analysed without query contexts: when [report] contexts is set, a
// caller sharing one analysis with the JSON or terminal report (which do narrow) needs a
// second, unnarrowed AnalysisToReport for this one, as coverage.py's lcov command sees. Appends
// to `out` and returns what LcovReporter.report returns for the fail-under check: 0 when there
// are no statements, else the total pc_covered.
Result<double> WriteLcovReport(const Session& session, const std::vector<FileReport>& files,
                               std::string& out);
// The same, handing the text to `write` a batch of records at a time (never whole in memory).
// On an error, what was written is to be dropped.
Result<double> WriteLcovReport(const Session& session, const std::vector<FileReport>& files,
                               const TextSink& write);

// The whole of LcovReporter.report(): AnalysisToReport(morfs) and the report.
Result<double> LcovReport(Session& session, const std::vector<std::string>& morfs, std::string& out);

// lcovreport.line_hash(): base64 of the MD5 of the line's UTF-8, without the '=' padding.
std::string LcovLineHash(std::string_view line);

}  // namespace covalesce::report
