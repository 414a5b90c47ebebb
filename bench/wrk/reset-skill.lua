-- wrk: resetSkill requests spread over AGENTS agents starting at AGENT_BASE.
-- MODE=direct sends the gateway's own call, MODE=healthz the shim's GET /healthz (the HTTP
-- server alone, no forwarding); anything else the shim's /v1 call.
local agents = tonumber(os.getenv("AGENTS") or "64")
local base = tonumber(os.getenv("AGENT_BASE") or "1001")
local direct = os.getenv("MODE") == "direct"
local healthz = os.getenv("MODE") == "healthz"
local body = '{"skills":[1,2]}'
local headers = { ["Content-Type"] = "application/json" }
local direct_headers = { ["Content-Type"] = "application/json; charset=UTF-8", ["Guid"] = "5c1f0d2e-8a77-4b1e-9d0c-3e2a6b7f9a10.AgentGateway0" }

request = function()
  if healthz then
    return wrk.format("GET", "/healthz")
  end
  local id = base + math.random(0, agents - 1)
  if direct then
    return wrk.format("POST", "/agentgateway/resource/onlineagent/" .. id .. "/resetskill/false?skillid=1;2", direct_headers, nil)
  end
  return wrk.format("POST", "/v1/agents/" .. id .. "/reset-skill", headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p99_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
