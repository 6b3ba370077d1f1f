--- The library's version, in one place (User-Agent, OS-Usage-Data, rockspec checks).
-- @module onesignal.version
return "0.1.0"
