import multiprocessing
import time

# Each message is far bigger than what a pipe holds at once (64 KiB on Linux), so one
# send() is many writes, and a writer waits between them until the reader makes room.
size = 300000
per_sender = 3
safe = False


def send_messages(conn, letter, lock):
    message = letter * size
    for _ in range(per_sender):
        if lock is None:
            conn.send(message)
        else:
            with lock:  # one sender at a time writes into this end
                conn.send(message)
    conn.close()


def receive_messages(conn):
    whole = 0
    corrupted = 0
    while True:
        try:
            message = conn.recv()
        except EOFError as end:
            if str(end):  # "Ran out of input": a length read from inside another message
                corrupted += 1
                continue
            break  # both senders have closed their end: nothing more will come
        except Exception:  # the bytes of two messages mixed: no message at all
            corrupted += 1
            continue
        if message == "A" * size or message == "B" * size:
            whole += 1
        else:
            corrupted += 1
    return whole, corrupted


if __name__ == "__main__":
    reader, writer = multiprocessing.Pipe(duplex=False)
    lock = multiprocessing.Lock() if safe else None

    # Two processes share the same end of the pipe: both write into `writer`.
    sender1 = multiprocessing.Process(target=send_messages, args=(writer, "A", lock))
    sender2 = multiprocessing.Process(target=send_messages, args=(writer, "B", lock))
    sender1.start()
    sender2.start()
    writer.close()  # the senders hold their own copies; the pipe ends when both close theirs

    # Let both senders get into the middle of a send before anything is read.
    time.sleep(0.3)
    whole, corrupted = receive_messages(reader)
    sender1.join()
    sender2.join()
    print("Whole messages received: {}".format(whole))
    print("Corrupted reads: {}".format(corrupted))
