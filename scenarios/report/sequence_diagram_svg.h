// SVG rendering of a scenario's sequence diagram (the layout of
// diagram_layout.h): actor boxes and lifelines coloured by role, an arrow per
// row labelled with the short method, status and duration, fault and
// adversary bands named in the right margin, step ids in the left margin,
// failed steps tinted red, and a legend of what the diagram uses.
//
// Pure functions; thread-safe. All text from the result is XML-escaped.
#ifndef SCT_SCENARIOS_REPORT_SEQUENCE_DIAGRAM_SVG_H_
#define SCT_SCENARIOS_REPORT_SEQUENCE_DIAGRAM_SVG_H_

#include <string>

#include "proto/scenario/v1/scenario.pb.h"

namespace sct::scenarios {

// The sequence diagram of one scenario as a standalone <svg> element: one
// lifeline per actor (result.actors order), an arrow per trace event labelled
// with the method and status, fault and adversary markers shaded, step ids in
// the margin. All text XML-escaped.
std::string SequenceDiagramSvg(const scenario::v1::ScenarioResult& result);

namespace report {

// The same diagram for embedding in an HTML page: no xmlns attribute and no
// <desc> (the page shows the description above the diagram).
std::string InlineSequenceDiagramSvg(const scenario::v1::ScenarioResult& result);

}  // namespace report
}  // namespace sct::scenarios

#endif  // SCT_SCENARIOS_REPORT_SEQUENCE_DIAGRAM_SVG_H_
