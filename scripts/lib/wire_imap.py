"""The IMAP dialogues of scripts/nginx_wire_test.py: for one listener of one IMAP server, what real
nginx sends before login, compared byte for byte with the server's "wire" section of `popcheck
compile` (tagged replies there are given without the tag: nginx sends the tag, a space, then them).
No LOGIN or AUTHENTICATE ever completes (each SASL exchange is cancelled with "*", which nginx
refuses as bad base64), so auth_http is never contacted."""

from wire_common import LineConnection, client_context, listener_is_tls, wire_bytes

MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5", "EXTERNAL")


def test_listener(report, server, listener, host, port, prefix):
    wire = server["wire"]
    tls = listener_is_tls(server, listener)
    side = "tls_connection" if tls else "plain_connection"
    ok = wire_bytes(wire["tagged_ok"])
    counter = [0]

    def tag():
        counter[0] += 1
        return f"t{counter[0]}"

    def ask(conn, label, line, expected, pattern=None):
        got = conn.command(line, expected)
        report.check(f"{prefix} {label}", expected, got, pattern)
        return got

    def tagged(t, text):
        return None if text is None else t.encode() + b" " + text

    def capability(conn, label, which):
        t = tag()
        line = wire_bytes(wire["capability"][which])
        ask(conn, f"{label}: CAPABILITY", f"{t} CAPABILITY", None if line is None else line + tagged(t, ok))

    def authenticate(conn, label, which):
        """The first reply to AUTHENTICATE MECH per mechanism; a continuation is then cancelled."""
        for mech in MECHANISMS:
            want = wire["authenticate"][which][mech]
            t = tag()
            reply = wire_bytes(want["reply"])
            expected = tagged(t, reply) if want["tagged"] else reply
            got = ask(conn, f"{label}: AUTHENTICATE {mech}", f"{t} AUTHENTICATE {mech}", expected,
                      want["reply_pattern"])
            if got.startswith(b"+"):
                cancel = wire_bytes(want["cancel_reply"])
                ask(conn, f"{label}: AUTHENTICATE {mech}, '*' refused", "*",
                    tagged(t, cancel) if want["cancel_tagged"] else cancel)

    def login_refused(conn, label, which):
        want = wire["login"][which]
        if want != "auth_http":  # an accepted LOGIN would go to auth_http: only refusals are tried
            t = tag()
            ask(conn, f"{label}: LOGIN refused", f"{t} LOGIN x y", tagged(t, wire_bytes(want)))

    def logout(conn, label):
        t = tag()
        ask(conn, f"{label}: LOGOUT", f"{t} LOGOUT", wire_bytes(wire["logout"]) + tagged(t, ok))
        report.check(f"{prefix} {label}: close after LOGOUT", b"", conn.read_eof())

    ctx = client_context() if tls else None
    greeting = wire_bytes(wire["greeting"])

    # A: the start state of this listener, then STARTTLS and the TLS state after it.
    conn = LineConnection(host, port, ctx)
    try:
        report.check(f"{prefix} A: greeting", greeting, conn.read_reply(greeting))
        capability(conn, "A", side)
        t = tag()
        ask(conn, "A: NOOP", f"{t} NOOP", tagged(t, ok))
        login_refused(conn, "A", side)
        authenticate(conn, "A", side)
        t = tag()
        starttls = wire_bytes(wire["starttls"][side])
        if ask(conn, "A: STARTTLS", f"{t} STARTTLS", tagged(t, starttls)) == tagged(t, ok) and not tls:
            try:
                conn.start_tls(client_context())
            except (OSError, ValueError) as e:
                report.fail(f"{prefix} A: TLS handshake after STARTTLS", repr(e))
                return
            capability(conn, "A after STARTTLS", "tls_connection")
            login_refused(conn, "A after STARTTLS", "tls_connection")
            authenticate(conn, "A after STARTTLS", "tls_connection")
            t = tag()
            ask(conn, "A: STARTTLS after STARTTLS", f"{t} STARTTLS",
                tagged(t, wire_bytes(wire["starttls"]["tls_connection"])))
        logout(conn, "A")
    finally:
        conn.close()

    # B: literals and the client buffer. A synchronizing literal gets the continuation; a command
    # of exactly client_buffer octets (CR LF included) is taken; one octet more is refused and
    # the connection closed.
    octets = wire["client_buffer"]["octets"]
    conn = LineConnection(host, port, client_context() if tls else None)
    try:
        report.check(f"{prefix} B: greeting", greeting, conn.read_reply(greeting))
        ask(conn, "B: a line without tag", "NOOP", wire_bytes(wire["untagged_bad"]))
        t = tag()
        ask(conn, "B: literal {3}", f"{t} NOOP {{3}}", wire_bytes(wire["literals"]["continuation"]))
        ask(conn, "B: literal data", "abc", tagged(t, ok))
        if wire["literals"]["non_synchronizing_accepted"]:
            t = tag()  # {N+}: no continuation, the data follows at once
            ask(conn, "B: literal {3+}", f"{t} NOOP {{3+}}\r\nabc", tagged(t, ok))
        if 16 < octets <= 65536:
            t = tag()
            head = f"{t} NOOP "
            ask(conn, f"B: a command of {octets} octets", head + "x" * (octets - len(head) - 2), tagged(t, ok))
            t = tag()
            head = f"{t} NOOP "
            too_long = wire_bytes(wire["client_buffer"]["too_long"])
            ask(conn, f"B: a command of {octets + 1} octets", head + "x" * (octets - len(head) - 1),
                tagged(t, too_long))
            report.check(f"{prefix} B: close after a too long command", b"", conn.read_eof())
        else:
            logout(conn, "B")
    finally:
        conn.close()
