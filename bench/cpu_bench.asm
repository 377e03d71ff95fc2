; CPU benchmark guest: a 64 KiB BIOS image.  From the reset vector it enters
; flat 32-bit protected mode, identity-maps the first 8 MiB with 4 KiB pages
; (two page tables), turns paging on and runs ITER rounds of an integer,
; memory and branch mix over a 256 KiB array:
;  - an LCG fills the array (stores),
;  - a pass sums it with data-dependent branches and a call per element,
;  - an insertion-style pass swaps neighbours out of order (loads, stores,
;    unpredictable branches),
;  - a shift/multiply/divide hash of the sums.
; At the end it prints the checksum in hex on port 0xE9 (so runs on
; different CPUs can be compared) and writes 0 to the exit port 0xF4.
%ifndef ITER
%define ITER 40
%endif
BASE	equ 0xF0000
PD	equ 0x10000
PT	equ 0x11000            ; two tables: 0x11000, 0x12000
ARR	equ 0x400000           ; 64 Ki dwords
N	equ 65536

	bits 16
	org 0
start16:
	cli
	mov ax, 0xF000
	mov ds, ax
	o32 lgdt [gdtr]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x08:BASE+pm32

	align 8
gdt:	dq 0
	dq 0x00CF9A000000FFFF
	dq 0x00CF92000000FFFF
gdtr:	dw 23
	dd BASE+gdt

	bits 32
pm32:	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, 0x80000
	in al, 0x92
	or al, 2
	and al, 0xFE
	out 0x92, al
	; page directory: two present tables, the rest not present
	xor eax, eax
	mov edi, PD
	mov ecx, 1024
	rep stosd
	mov dword [PD], PT + 3
	mov dword [PD + 4], PT + 0x1000 + 3
	mov edi, PT
	mov eax, 3
	mov ecx, 2048
.pte:	mov [edi], eax
	add eax, 0x1000
	add edi, 4
	loop .pte
	mov eax, PD
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	jmp .paged
.paged:
	mov ebp, ITER
	xor esi, esi               ; running checksum
	mov ebx, 12345             ; LCG state
round:
	; 1. fill
	mov edi, ARR
	mov ecx, N
.fill:	imul ebx, ebx, 1103515245
	add ebx, 12345
	mov eax, ebx
	shr eax, 8
	mov [edi], eax
	add edi, 4
	dec ecx
	jnz .fill
	; 2. sum with data-dependent branches and a call
	mov edi, ARR
	mov ecx, N
	xor edx, edx
.sum:	mov eax, [edi]
	test al, 1
	jz .even
	call odd_step
	jmp .next
.even:	sub edx, eax
	ror edx, 3
.next:	add edi, 4
	dec ecx
	jnz .sum
	add esi, edx
	; 3. one bubble pass over the first 16 Ki elements
	mov edi, ARR
	mov ecx, 16383
.bub:	mov eax, [edi]
	mov edx, [edi + 4]
	cmp eax, edx
	jbe .inorder
	mov [edi], edx
	mov [edi + 4], eax
	inc esi
.inorder:
	add edi, 4
	dec ecx
	jnz .bub
	; 4. hash
	mov eax, esi
	mov ecx, 64
.hash:	xor edx, edx
	mov edi, 1000003
	imul eax, eax, 31
	add eax, ecx
	div edi
	add esi, edx
	shl edx, 5
	xor eax, edx
	loop .hash
	xor esi, eax
	dec ebp
	jnz round

	; checksum in hex, then exit 0
	mov ecx, 8
.hex:	rol esi, 4
	mov eax, esi
	and eax, 15
	mov al, [BASE + hexdig + eax]
	out 0xE9, al
	loop .hex
	mov al, 10
	out 0xE9, al
	mov al, 0
	out 0xF4, al
	hlt

odd_step:
	add edx, eax
	rol edx, 5
	xor edx, 0x9E3779B9
	ret

hexdig:	db "0123456789abcdef"

	bits 16
times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start16
times 0x10000-($-$$) db 0xf4
