#include "cli/endpoint_env.hpp"

#include <cctype>

namespace mirakuru::cli {

std::string env_name_part(const std::string& name) {
  std::string out;
  out.reserve(name.size());
  for (unsigned char c : name) {
    out += std::isalnum(c) != 0 ? static_cast<char>(std::toupper(c)) : '_';
  }
  return out;
}

std::map<std::string, std::string> endpoint_environment(const nlohmann::json& endpoints) {
  std::map<std::string, std::string> env;
  for (const auto& [name, e] : endpoints.items()) {
    const std::string prefix = "MIRAKURU_" + env_name_part(name) + "_";
    if (e.contains("port") && e["port"].is_number_integer()) {
      env[prefix + "PORT"] = std::to_string(e["port"].get<int>());
      env[prefix + "URL"] = e.value("url", "");
    }
    env[prefix + "HOST"] = e.value("host", "");
    env[prefix + "TMPDIR"] = e.value("tmpdir", "");
    if (e.contains("ports") && e["ports"].is_object()) {
      for (const auto& [port_name, port] : e["ports"].items()) {
        env[prefix + "PORT_" + env_name_part(port_name)] = std::to_string(port.get<int>());
      }
    }
  }
  env["MIRAKURU_ENDPOINTS"] = endpoints.dump();
  return env;
}

}  // namespace mirakuru::cli
