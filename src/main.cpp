// Entry point: parses the command line and hands over to a component.
#include <iostream>

#include <CLI/CLI.hpp>

#include "ot/cli.h"

int main(int argc, char** argv) {
  CLI::App app{"tandem: real-time collaboration server"};
  app.require_subcommand(1);

  auto* version = app.add_subcommand("version", "Print the version and exit");
  auto* ot = app.add_subcommand("ot", "Run json0 functions on JSON lines from stdin");

  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    std::cout << "tandem " << TANDEM_VERSION << "\n";
    return 0;
  }
  if (ot->parsed()) {
    return tandem::ot::run_cli(std::cin, std::cout);
  }
  return 0;
}
