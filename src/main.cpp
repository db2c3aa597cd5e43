// The labctl executable: the CLI front end, with `serve` wired to the HTTP front end.
#include "labctl/cli/app.hpp"
#include "labctl/http/server.hpp"

int main(int argc, char** argv) {
  labctl::ops::Services services;
  services.serve = [](labctl::ops::Context& ctx, const labctl::ops::Params& p) {
    labctl::http::serve(ctx.config, ctx.database, p.str("host"), static_cast<int>(p.integer("port")));
  };
  services.library_versions = {{"cpp_httplib", labctl::http::library_version()}};
  return labctl::cli::run(argc, argv, services);
}
