-- Where the cosocket transport connects: names from /etc/hosts, and localhost even without it.
local target = require("onesignal.transport.ngx_target")

describe("the cosocket transport's host lookup", function()
  local path

  before_each(function()
    path = os.tmpname()
    local f = assert(io.open(path, "w"))
    f:write("# comment\n10.1.2.3   api.internal  Alias\n::1 ip6-only\n")
    f:close()
  end)
  after_each(function() os.remove(path) end)

  it("reads names from the hosts file, case-insensitively", function()
    assert.are.equal("10.1.2.3", target.lookup("API.internal", path))
    assert.are.equal("10.1.2.3", target.lookup("alias", path))
    assert.are.equal("[::1]", target.lookup("ip6-only", path))
    assert.is_nil(target.lookup("api.onesignal.com", path))
  end)

  it("knows localhost even when the hosts file does not list it", function()
    assert.are.equal("127.0.0.1", target.lookup("localhost", path))
    assert.are.equal("127.0.0.1", target.lookup("api.localhost", path))
    assert.are.equal("127.0.0.1", target.lookup("LocalHost", "/nonexistent/hosts"))
  end)
end)

describe("the cosocket transport's TLS server name", function()
  -- RFC 6066 section 3: a literal address is no server name (SNI), as libcurl sends none for one.
  it("is the host's name, and none for an IPv4 or IPv6 address", function()
    assert.are.equal("api.onesignal.com", target.parse("https://api.onesignal.com", true).server_name)
    assert.are.equal("localhost", target.parse("https://localhost:8443/api", true).server_name)
    assert.is_nil(target.parse("https://127.0.0.1:8443", true).server_name)
    assert.is_nil(target.parse("https://[::1]:8443", false).server_name)
    assert.is_nil(target.parse("https://[2001:db8::1]", true).server_name)
  end)
end)
