-- wrk at a fixed pace: each connection waits PACE_MS between its requests (40 connections
-- x 20 ms = 2,000 requests/s), resetSkill requests spread over AGENTS agents. Latency is
-- that of each request alone (wrk does not count the pause). Same MODE values as reset-skill.lua.
local agents = tonumber(os.getenv("AGENTS") or "64")
local pace = tonumber(os.getenv("PACE_MS") or "20")
local direct = os.getenv("MODE") == "direct"
local body = '{"skills":[1,2]}'
local headers = { ["Content-Type"] = "application/json" }
local direct_headers = { ["Content-Type"] = "application/json; charset=UTF-8", ["Guid"] = "5c1f0d2e-8a77-4b1e-9d0c-3e2a6b7f9a10.AgentGateway0" }

request = function()
  local id = 1001 + math.random(0, agents - 1)
  if direct then
    return wrk.format("POST", "/agentgateway/resource/onlineagent/" .. id .. "/resetskill/false?skillid=1;2", direct_headers, nil)
  end
  return wrk.format("POST", "/v1/agents/" .. id .. "/reset-skill", headers, body)
end

delay = function()
  return pace
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency:percentile(99.9) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
