// labctl-sandbox: fake Chatwoot, Linear and Attio APIs and OpenAI embeddings over real HTTP on one port, with
// deterministic data and scriptable faults, for labctl's tests and demos.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "fault_script.hpp"
#include "sandbox_server.hpp"
#include "time_format.hpp"

using namespace labctl::sandbox;

namespace {

constexpr const char* kFooter = R"TXT(
Endpoints (tokens are fixed; a wrong or missing token gets 401):
  Chatwoot  GET  /chatwoot/api/v1/accounts/{acct}/conversations?page=&per_page=   header api_access_token: sandbox-chatwoot-token
            GET  /chatwoot/api/v1/accounts/{acct}/inboxes
            GET  /chatwoot/api/v1/accounts/{acct}/conversations/{id}/messages[?before=<message id>]   (20 per page)
  Linear    POST /linear/graphql  (operations PullLinear, PullLinearIssues; variables limit, after, updatedAfter)
                 header authorization: sandbox-linear-token   (the raw key, no Bearer)
  Attio     GET  /attio/v2/objects/{companies|deals|people}/records, /attio/v2/activities  ?limit=&cursor=&updated_after=
                 header authorization: Bearer sandbox-attio-token
  OpenAI    POST /openai/v1/embeddings  {"model":…,"input":"text" | ["text",…][,"dimensions":N]}
                 header authorization: Bearer sandbox-openai-token   (so OPENAI_BASE_URL=<base>/openai/v1)
                 Vectors are deterministic in (model, text), L2-normalised; similar texts land near each other.
                 Length: dimensions if given (1..8192), else text-embedding-3-small 1536, text-embedding-3-large
                 3072, any other model 256. usage.total_tokens = sum of max(1, ceil(characters/4)).
                 400 for a body that is not JSON, an empty model, no/empty input, an empty string, > 2048 inputs.
  Tenants: Chatwoot by account id (101, 102, …). Linear/Attio: header x-linear-workspace / x-attio-workspace,
  or the path forms /linear/<workspace>/graphql and /attio/<workspace>/v2/…; default the first tenant.
  Admin (no auth): GET /_sandbox/requests[?target=], GET /_sandbox/tenants, GET|POST /_sandbox/faults,
                   POST /_sandbox/reset, POST /_sandbox/mutate, GET /_sandbox/health

Fault script (--faults or POST /_sandbox/faults): rules separated by ';', fields by ','.
  TARGET:[match=TEXT,][nth=N][,count=M | ,every][,delay_ms=MS],ACTION
  TARGET   * | chatwoot.conversations | chatwoot.messages | chatwoot.inboxes | linear.PullLinear |
           linear.PullLinearIssues | attio.companies | attio.deals | attio.people | attio.activities |
           openai.embeddings
  match=T  only requests whose body contains T (e.g. one poison input: match=POISON,every,status=400)
  nth=N    first matching request hit (1-based, default 1); count=M consecutive hits (default 1);
           every = all matching requests. Each rule counts the requests matching its target; the
           first rule (in order) that hits a request wins.
  ACTION   status=CODE [retry_after=VALUE | retry_after_date=SECONDS] [body=TEXT]
           delay_ms=MS alone: sleep, then answer normally (may precede any other action)
           malformed              200 with a cut-off JSON body
           close                  drop the connection without a response
           graphql_error=MESSAGE  200 {"errors":[{"message":MESSAGE}]} (linear.* only)
           duplicate_across_pages the page repeats the last record of the previous page
           mutate_after           after building the page, edit a record on it (updated_at = now)
           wrong_count            200 with the last vector missing (openai.embeddings only)
           wrong_dimension        200 with the last vector one element short (openai.embeddings only)
  Values containing ',' or ';' go in double quotes: body="{\"error\":\"busy, retry\"}".
  The same rules as JSON: [{"target":"chatwoot.messages","nth":3,"count":2,"status":503}].

Example:
  labctl-sandbox --port 0 --seed 7 --faults 'chatwoot.messages:nth=3,count=2,status=503;linear.PullLinearIssues:status=429,retry_after=1'
  labctl-sandbox --port 0 --faults 'openai.embeddings:count=5,status=503;openai.embeddings:nth=9,wrong_dimension'
  eval "$(labctl-sandbox --port 8790 --print-env)"
)TXT";

void print_env(const std::string& host, int port, const Dataset& data) {
  std::string base = "http://" + host + ":" + std::to_string(port);
  const Tenant& first = data.tenants().front();
  std::cout << "# labctl-sandbox at " << base << "\n"
            << "export CHATWOOT_BASE_URL=" << base << "/chatwoot\n"
            << "export CHATWOOT_API_TOKEN=" << kChatwootToken << "\n"
            << "export CHATWOOT_ACCOUNT_ID=" << first.chatwoot.account_id << "\n"
            << "export LINEAR_BASE_URL=" << base << "/linear/graphql\n"
            << "export LINEAR_API_TOKEN=" << kLinearToken << "\n"
            << "export LINEAR_WORKSPACE_ID=" << first.linear.workspace_id << "\n"
            << "export ATTIO_BASE_URL=" << base << "/attio\n"
            << "export ATTIO_API_TOKEN=" << kAttioToken << "\n"
            << "export ATTIO_WORKSPACE_ID=" << first.attio.workspace_id << "\n"
            << "export OPENAI_BASE_URL=" << base << "/openai/v1\n"
            << "export OPENAI_API_KEY=" << kOpenAIToken << "\n";
  for (const auto& t : data.tenants())
    std::cout << "# tenant " << t.number << " (" << t.name << "): chatwoot_account=" << t.chatwoot.account_id
              << " linear_workspace=" << t.linear.workspace_id << " attio_workspace=" << t.attio.workspace_id << "\n";
  std::cout << "# Linear/Attio pick the tenant by header x-linear-workspace / x-attio-workspace (default tenant 1),\n"
            << "# or by path: LINEAR_BASE_URL=" << base << "/linear/<workspace>/graphql, ATTIO_BASE_URL=" << base
            << "/attio/<workspace>\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "labctl-sandbox: fake Chatwoot, Linear and Attio APIs and OpenAI embeddings with deterministic data and "
      "scriptable faults"};
  app.footer(kFooter);
  std::string host = "127.0.0.1", faults_spec, now_text;
  int port = 8790;
  DatasetOptions options;
  bool env_only = false;
  app.add_option("--host", host, "Address to listen on")->capture_default_str();
  app.add_option("--port", port, "Port to listen on; 0 = any free port")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--seed", options.seed, "Data seed: the same seed gives the same data")->capture_default_str();
  app.add_option("--scale", options.scale, "Multiply the data volume (1 ≈ 1,000 Chatwoot messages per tenant)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  app.add_option("--tenants", options.tenants, "Number of tenants (projects)")->capture_default_str()->check(CLI::Range(1, 9));
  app.add_option("--now", now_text, "Pretend the server started at this time (ISO-8601 or epoch seconds); default: now");
  app.add_option("--faults", faults_spec, "Fault script, see below");
  app.add_flag("--print-env", env_only, "Print export lines pointing labctl at a sandbox on --port, and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  FaultScript faults;
  try {
    faults = FaultScript::parse(faults_spec);
  } catch (const FaultSpecError& e) {
    std::cerr << "labctl-sandbox: --faults: " << e.what() << std::endl;
    return 2;
  }
  if (now_text.empty()) {
    options.start_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  } else if (auto t = parse_time_ms(now_text)) {
    options.start_ms = *t;
  } else {
    std::cerr << "labctl-sandbox: --now: \"" << now_text << "\" is not an ISO-8601 time or epoch seconds" << std::endl;
    return 2;
  }
  if (env_only) {
    if (port == 0) {
      std::cerr << "labctl-sandbox: --print-env needs a fixed --port" << std::endl;
      return 2;
    }
    print_env(host, port, Dataset(DatasetOptions{options.seed, 1, options.tenants, options.start_ms}));
    return 0;
  }

  // Signals are taken by one thread; every other thread (httplib's pool) inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // the `close` fault and impatient clients

  SandboxServer server(options, std::move(faults));
  int bound = server.bind(host, port);
  if (bound < 0) {
    std::cerr << "labctl-sandbox: cannot listen on " << host << ":" << port << std::endl;
    return 1;
  }
  std::atomic<bool> done{false};
  std::thread waiter([&] {
    timespec tick{0, 200'000'000};
    while (!done) {
      if (sigtimedwait(&signals, nullptr, &tick) > 0) {
        server.stop();
        return;
      }
    }
  });
  std::cout << "listening on http://" << host << ":" << bound << std::endl;
  server.run();
  done = true;
  waiter.join();
  return 0;
}
