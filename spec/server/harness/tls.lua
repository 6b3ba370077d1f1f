-- A throw-away CA and a server certificate for 127.0.0.1 and localhost, made with the openssl CLI
-- (EC keys: generating them takes milliseconds).
local shell = require("server.harness.shell")

local tls = {}

local function openssl(args, dir)
  local out, code = shell.capture("cd " .. shell.quote(dir) .. " && openssl " .. args .. " 2>&1")
  if code ~= 0 then error("openssl " .. args:match("^%S+") .. " failed: " .. out, 0) end
end

-- Writes ca.crt, server.crt and server.key into dir; returns their paths.
function tls.generate(dir)
  assert(shell.run("mkdir -p " .. shell.quote(dir)))
  local curve = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  openssl("req -x509 " .. curve .. " -keyout ca.key -out ca.crt -days 30 -subj '/CN=onesignal test CA'"
    .. " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign", dir)
  openssl("req " .. curve .. " -keyout server.key -out server.csr -subj '/CN=127.0.0.1'", dir)
  shell.write_file(dir .. "/server.ext", table.concat({
    "basicConstraints=CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
  }, "\n") .. "\n")
  openssl("x509 -req -in server.csr -CA ca.crt -CAkey ca.key -set_serial 0x"
    .. string.format("%x", math.random(1, 2 ^ 30)) .. " -days 30 -extfile server.ext -out server.crt", dir)
  return { ca_file = dir .. "/ca.crt", cert = dir .. "/server.crt", key = dir .. "/server.key" }
end

return tls
