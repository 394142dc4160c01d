import multiprocessing
import time


def child(conn):
    print("nothing yet:", conn.poll(0.2))  # waits up to 0.2 s, nothing comes
    print("something:", conn.poll(None))  # waits until the parent's message arrives
    print("got", conn.recv())


if __name__ == "__main__":
    parent, child_end = multiprocessing.Pipe()
    p = multiprocessing.Process(target=child, args=(child_end,))
    p.start()
    print("asked:", parent.poll())  # no timeout: only asks
    time.sleep(0.4)
    parent.send("hi")
    p.join()
