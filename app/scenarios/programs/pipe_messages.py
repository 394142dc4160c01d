import multiprocessing


def sender(conn, msgs):
    # Writes each message into its end of the pipe, then closes that end.
    for msg in msgs:
        conn.send(msg)
        print("Sent the message: {}".format(msg))
    conn.close()


def receiver(conn):
    # Reads from the other end until the agreed last message arrives.
    while 1:
        msg = conn.recv()
        if msg == "END":
            break
        print("Received the message: {}".format(msg))


if __name__ == "__main__":
    msgs = ["hello", "hey", "hru?", "END"]

    # Two connected ends: whatever goes into one comes out of the other.
    parent_conn, child_conn = multiprocessing.Pipe()

    p1 = multiprocessing.Process(target=sender, args=(parent_conn, msgs))
    p2 = multiprocessing.Process(target=receiver, args=(child_conn,))

    # Both run at once: how their lines interleave is up to the scheduler.
    p1.start()
    p2.start()

    p1.join()
    p2.join()
