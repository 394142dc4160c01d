import multiprocessing
import time


def receive(conn, count):
    # Take every message, then say when the last one arrived.
    for _ in range(count):
        conn.recv()
    print("t1", time.monotonic())


if __name__ == "__main__":
    count = 100000

    sender, receiver = multiprocessing.Pipe()
    consumer = multiprocessing.Process(target=receive, args=(receiver, count))
    consumer.start()

    # The loop being timed: from the first send to the receiver's last recv.
    print("t0", time.monotonic())
    for n in range(count):
        sender.send(n)
    consumer.join()
