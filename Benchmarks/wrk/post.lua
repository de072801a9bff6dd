-- POSTs one fixed XML-RPC body, read from the file named by $BODY_FILE, over
-- wrk's keep-alive connections.
local file = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "text/xml"
