import multiprocessing
from multiprocessing import shared_memory


def fill(block_name, start, text):
    # Attach to the block by its name: the same bytes, now mapped into this process too.
    block = shared_memory.SharedMemory(name=block_name)
    data = text.encode()
    block.buf[start : start + len(data)] = data
    block.close()  # this process is done with it; the block itself stays


if __name__ == "__main__":
    left = "Hello, "
    right = "world!"

    size = len(left.encode()) + len(right.encode())
    shm = shared_memory.SharedMemory(create=True, size=size)

    # Each child gets only the block's name and writes its own half.
    p1 = multiprocessing.Process(target=fill, args=(shm.name, 0, left))
    p2 = multiprocessing.Process(target=fill, args=(shm.name, len(left.encode()), right))
    p1.start()
    p2.start()
    p1.join()
    p2.join()

    print("The block holds:", bytes(shm.buf[:size]).decode())
    shm.close()
    shm.unlink()  # nobody needs it any more: free it
